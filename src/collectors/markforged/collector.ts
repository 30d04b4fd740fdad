import { historyPageAfter } from '../sdk/cloud-account-captures.ts';
import { accountKey, CloudAccountCollector } from '../sdk/cloud-account-collector.ts';
import type {
  Collector,
  CollectorContext,
  CollectorLogger,
  HistoricJob,
  HistoryPage,
} from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { basicAuth } from '../sdk/http-send.ts';
import { type NextPage, nextPageUrl } from '../sdk/next-page.ts';
import { type AccountSession, type AccountSpec, credentialFingerprint } from '../sdk/vendor-account.ts';
import type { MarkforgedConnection } from './config.ts';
import { historicJob, toSnapshot } from './map.ts';
import { type Device, devices, type PrintJob, printJobs } from './protocol.ts';

/** The most pages of `/print_jobs` one history read follows. */
const MAX_PAGES = 50;

/**
 * One device's ended jobs after the watermark: `GET /print_jobs?device=<id>` (page by page,
 * following `next`), through the organization's session. A job not ended yet waits for a later run.
 */
async function eigerHistory(
  connection: MarkforgedConnection,
  logger: CollectorLogger,
  session: AccountSession,
  item: Device,
  after: string | undefined,
  limit: number,
): Promise<HistoryPage> {
  const api = connection.api_url.replace(/\/+$/, '');
  const jobs: HistoricJob[] = [];
  let url: string | undefined = `${api}/print_jobs?${new URLSearchParams({ device: item.id })}`;
  const seen = new Set([url]);
  for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
    const reply: { jobs: PrintJob[]; next: string | null } | undefined = await session.get(url, printJobs, {
      emptyOn: [404],
    });
    if (!reply) break;
    for (const job of reply.jobs) {
      const historic = historicJob(job, item, connection.serial);
      if (historic) jobs.push(historic);
    }
    // `next` as Eiger gives it; only on the API's origin (never send the credentials elsewhere),
    // and never back to a page already read.
    const next: NextPage | undefined = reply.jobs.length > 0 ? nextPageUrl(reply.next, api, seen) : undefined;
    if (next && !('url' in next)) {
      logger.warn(
        { device: item.id, next: 'refused' in next ? next.refused : next.repeated },
        'refused' in next
          ? 'Markforged /print_jobs names its next page on another origin: not followed (the credentials go to the API only)'
          : 'Markforged /print_jobs names a page already read as its next: the history read ends there',
      );
    }
    url = next && 'url' in next ? next.url : undefined;
  }
  return historyPageAfter(jobs, after, limit);
}

/** The organization's account: one `GET /devices` per interval for all its machines (HTTP Basic). */
function eigerAccount(connection: MarkforgedConnection, ctx: CollectorContext): AccountSpec<Device[]> {
  const api = connection.api_url.replace(/\/+$/, '');
  return {
    service: 'Markforged Eiger',
    account: connection.account,
    intervalMs: connection.list_interval * 1000,
    requestTimeoutMs: connection.request_timeout * 1000,
    maxBodyBytes: ctx.limits.maxMessageBytes,
    headers: () => basicAuth(ctx.credentials),
    read: async (session) => {
      if (!ctx.credentials.username || !ctx.credentials.password) {
        throw new CollectorError(
          'auth',
          `Markforged Eiger (account "${connection.account}"): set credentials.username to the API access key and credentials.password_ref to the secret key`,
        );
      }
      return (await session.get(`${api}/devices`, devices)) ?? [];
    },
  };
}

/** One Markforged printer: its device in the organization's list, read by the shared poller. */
export function markforgedCollector(connection: MarkforgedConnection, ctx: CollectorContext): Collector {
  const where = `Markforged Eiger (account "${connection.account}")`;
  return new CloudAccountCollector<Device[], Device>(
    {
      key: accountKey('markforged', connection.api_url, connection.account),
      fingerprint: credentialFingerprint(ctx.credentials.username, ctx.credentials.password),
      account: () => eigerAccount(connection, ctx),
      select: (list) =>
        list.find((d) => d.serial === connection.serial) ?? list.find((d) => d.id === connection.serial),
      notListed: `${where} does not list device "${connection.serial}": check connection.serial (and that the printer is in this organization)`,
      toSnapshot,
      status: {
        captureTypeName: 'markforged.modeler.status',
        document: (device) => device,
        meta: (device) => ({ serial: connection.serial, device_id: device.id, source: 'eiger-api-v3' }),
        significant: (snapshot) => [
          snapshot.state,
          snapshot.job?.id,
          snapshot.job?.result,
          snapshot.job?.progress === undefined ? null : Math.floor(snapshot.job.progress),
        ],
      },
      history: (session, device, after, limit) =>
        eigerHistory(connection, ctx.logger, session, device, after, limit),
      describe: (device, snapshot) => ({
        ok: true,
        message: `${where} lists device ${device.name ?? device.id}: ${snapshot.state}`,
        details: {
          serial: device.serial ?? connection.serial,
          firmware: snapshot.firmware ?? null,
          device_id: device.id,
        },
      }),
    },
    ctx,
  );
}
