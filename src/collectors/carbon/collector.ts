import { historyPageAfter } from '../sdk/cloud-account-captures.ts';
import { accountKey, CloudAccountCollector } from '../sdk/cloud-account-collector.ts';
import type { Collector, CollectorContext, HistoricJob, HistoryPage } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { type AccountSession, type AccountSpec, credentialFingerprint } from '../sdk/vendor-account.ts';
import type { CarbonConnection } from './config.ts';
import { carbonToken } from './jwt.ts';
import { historicPrint, toSnapshot } from './map.ts';
import { type Printer, printersResponse, printsResponse } from './protocol.ts';

/** Prints asked per page of `/prints`, and the most pages one history read follows. */
const PAGE = 100;
const MAX_PAGES = 50;

/**
 * One printer's finished prints after the watermark: `GET /prints?printer_serial=<serial>` page by
 * page (`limit`, `offset`, `total_count`), through the account's session. A print without
 * `finished_at` (still running) waits for a later run.
 */
async function carbonHistory(
  connection: CarbonConnection,
  session: AccountSession,
  after: string | undefined,
  limit: number,
): Promise<HistoryPage> {
  const api = connection.api_url.replace(/\/+$/, '');
  const jobs: HistoricJob[] = [];
  let offset = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({
      printer_serial: connection.serial,
      limit: String(PAGE),
      offset: String(offset),
    });
    const reply = await session.get(`${api}/prints?${query}`, printsResponse, { emptyOn: [404] });
    if (!reply || reply.prints.length === 0) break;
    for (const print of reply.prints) {
      const job = historicPrint(print, connection.serial);
      if (job) jobs.push(job);
    }
    offset += reply.prints.length;
    if (reply.total_count == null || offset >= reply.total_count) break;
  }
  return historyPageAfter(jobs, after, limit);
}

/**
 * The Carbon account: a JWT (HS256, `iss` the client id) signed here from the API key and secret,
 * signed again before it expires or after a 401; one `GET /printers` per interval for all machines.
 */
function carbonAccount(connection: CarbonConnection, ctx: CollectorContext): AccountSpec<Printer[]> {
  const api = connection.api_url.replace(/\/+$/, '');
  const { username: clientId, password: clientSecret } = ctx.credentials;
  return {
    service: 'Carbon API',
    account: connection.account,
    intervalMs: connection.list_interval * 1000,
    requestTimeoutMs: connection.request_timeout * 1000,
    maxBodyBytes: ctx.limits.maxMessageBytes,
    issueToken: async () => {
      if (!clientId || !clientSecret) {
        throw new CollectorError(
          'auth',
          `Carbon API (account "${connection.account}"): set credentials.username to the API client id and credentials.password_ref to its secret`,
        );
      }
      const seconds = connection.token_minutes * 60;
      return { token: carbonToken(clientId, clientSecret, seconds), lifetimeMs: seconds * 1000 };
    },
    read: async (session) =>
      (await session.get(`${api}/printers?limit=1000`, printersResponse))?.printers ?? [],
  };
}

/** One Carbon printer: its entry in the account's printer list, read by the shared poller. */
export function carbonCollector(connection: CarbonConnection, ctx: CollectorContext): Collector {
  const where = `Carbon API (account "${connection.account}")`;
  return new CloudAccountCollector<Printer[], Printer>(
    {
      key: accountKey('carbon', connection.api_url, connection.account),
      fingerprint: credentialFingerprint(ctx.credentials.username, ctx.credentials.password),
      account: () => carbonAccount(connection, ctx),
      select: (list) => list.find((p) => p.serial === connection.serial),
      notListed: `${where} does not list printer "${connection.serial}": check connection.serial (and that the printer is on this account)`,
      toSnapshot,
      status: {
        captureTypeName: 'carbon3D.modeler.status',
        document: (p) => p,
        meta: () => ({ serial: connection.serial, source: 'carbon-api-v1' }),
        significant: (snapshot) => [snapshot.state, snapshot.job?.id, snapshot.job?.result, snapshot.errors],
      },
      history: (session, _printer, after, limit) => carbonHistory(connection, session, after, limit),
      describe: (p, snapshot) => ({
        ok: true,
        message: `${where} lists printer ${p.name ?? p.serial}: ${snapshot.state}`,
        details: { serial: p.serial, firmware: snapshot.firmware ?? null, hw_type: p.hw_type ?? null },
      }),
    },
    ctx,
  );
}
