import { historyPageAfter } from '../sdk/cloud-account-captures.ts';
import type { CollectorContext, HistoricJob, HistoryPage } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { parseJsonReply } from '../sdk/http-json.ts';
import { type NextPage, nextPageUrl } from '../sdk/next-page.ts';
import type { AccountSession, AccountSpec } from '../sdk/vendor-account.ts';
import type { FormlabsConnection } from './config.ts';
import { historicPrint } from './map.ts';
import {
  type FormlabsPrinter,
  localDevices,
  tokenReply,
  type WebPrinter,
  type WebPrintersPage,
  webPrintersPage,
  webPrints,
} from './protocol.ts';

/** Formlabs' token lifetime when its answer does not say (24 h, Web API docs). */
const DEFAULT_TOKEN_SECONDS = 86_400;

const base = (url: string) => url.replace(/\/+$/, '');

/** The most pages of `/printers/` one read of the account follows (a loop of `next` links ends there too). */
const MAX_LIST_PAGES = 50;

/**
 * The Web API account: `POST /o/token/` (client credentials → a bearer token for 24 h), then one
 * read of `GET /printers/` per interval for every printer of the account, following its `next`
 * pages (on the API's origin only, at most `MAX_LIST_PAGES`).
 */
export function webAccount(
  connection: FormlabsConnection,
  ctx: CollectorContext,
): AccountSpec<FormlabsPrinter[]> {
  const api = base(connection.api_url);
  const { username: clientId, password: clientSecret } = ctx.credentials;
  // Said once per account poller: the same cut would otherwise be logged every interval.
  const said = new Set<string>();
  const sayOnce = (what: string, message: string) => {
    if (said.has(what)) return;
    said.add(what);
    ctx.logger.warn({ account: connection.account }, message);
  };
  return {
    service: 'Formlabs Web API',
    account: connection.account ?? 'default',
    intervalMs: connection.list_interval * 1000,
    requestTimeoutMs: connection.request_timeout * 1000,
    maxBodyBytes: ctx.limits.maxMessageBytes,
    issueToken: async (session) => {
      if (!clientId || !clientSecret) {
        throw new CollectorError(
          'auth',
          `Formlabs Web API (account "${connection.account}"): set credentials.username to the client id and credentials.password_ref to the client secret`,
        );
      }
      const url = `${api}/o/token/`;
      const reply = await session.raw('POST', url, {
        body: {
          contentType: 'application/x-www-form-urlencoded',
          data: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: clientId,
            client_secret: clientSecret,
          }).toString(),
        },
      });
      if (reply.status === 400 || reply.status === 401) {
        throw new CollectorError(
          'auth',
          `Formlabs Web API (account "${connection.account}") refused the client id and secret (${reply.status})`,
        );
      }
      if (reply.status >= 500)
        throw new CollectorError('unreachable', `${url} answered ${reply.status} (a Formlabs outage?)`);
      const token = parseJsonReply(url, reply.status, reply.text, tokenReply)!;
      return { token: token.access_token, lifetimeMs: (token.expires_in ?? DEFAULT_TOKEN_SECONDS) * 1000 };
    },
    read: async (session) => {
      const printers: WebPrinter[] = [];
      let url: string | undefined = `${api}/printers/`;
      const seen = new Set([url]);
      for (let page = 0; url !== undefined; page++) {
        if (page === MAX_LIST_PAGES) {
          sayOnce(
            'pages',
            `Formlabs Web API (account "${connection.account}"): /printers/ has more than ${MAX_LIST_PAGES} pages; the printers past them are not read`,
          );
          break;
        }
        const reply: WebPrintersPage | undefined = await session.get(url, webPrintersPage);
        if (!reply) break;
        printers.push(...reply.results);
        const next: NextPage | undefined =
          reply.results.length > 0 ? nextPageUrl(reply.next, api, seen) : undefined;
        if (next && 'repeated' in next) {
          sayOnce(
            'loop',
            `Formlabs Web API (account "${connection.account}"): /printers/ names a page already read as its next ("${next.repeated}"); the list ends there`,
          );
        }
        if (next && 'refused' in next) {
          sayOnce(
            'elsewhere',
            `Formlabs Web API (account "${connection.account}"): /printers/ names its next page outside ${new URL(api).origin} ("${next.refused}"); not followed (the token goes to the API only), the printers past it are not read`,
          );
        }
        url = next && 'url' in next ? next.url : undefined;
      }
      return printers.map((printer) => ({ source: 'web' as const, printer }));
    },
  };
}

/** PreFormServer on the shop's network: `GET /devices/` (after one `POST /discover-devices/`). */
export function localAccount(
  connection: FormlabsConnection,
  ctx: CollectorContext,
): AccountSpec<FormlabsPrinter[]> {
  const url = base(connection.local_url);
  let discovered = false;
  return {
    service: 'PreFormServer',
    account: url,
    intervalMs: connection.list_interval * 1000,
    requestTimeoutMs: connection.request_timeout * 1000,
    maxBodyBytes: ctx.limits.maxMessageBytes,
    read: async (session) => {
      if (!discovered) {
        // Asks PreFormServer to look for printers on the network once; it keeps what it found.
        const reply = await session.raw('POST', `${url}/discover-devices/`, {
          body: { contentType: 'application/json', data: JSON.stringify({ timeout_seconds: 5 }) },
        });
        if (reply.status >= 200 && reply.status < 300) discovered = true;
      }
      const devices = (await session.get(`${url}/devices/`, localDevices)) ?? [];
      return devices.map((device) => ({ source: 'local' as const, device }));
    },
  };
}

/** Prints asked per page of `/prints/`, and the most pages one history read follows. */
const PER_PAGE = 100;
const MAX_PAGES = 50;
/** `date__gt` filters on the start of a print (assumed): asked from this long before the watermark's end. */
const DATE_MARGIN_MS = 3_600_000;

/**
 * One printer's finished prints after the watermark: `GET /prints/?printer=<serial>&date__gt=…`,
 * page by page (`page`, `per_page`, following `next`), through the account's session. Prints that
 * have not ended (no `print_finished_at`, or a status that is not FINISHED, ABORTED or ERROR) wait
 * for a later run; each print is one capture of the printer's status type, marked historic.
 */
export async function webHistory(
  connection: FormlabsConnection,
  session: AccountSession,
  after: string | undefined,
  limit: number,
): Promise<HistoryPage> {
  const api = base(connection.api_url);
  const since = after !== undefined ? Date.parse(after.split('#')[0]!) - DATE_MARGIN_MS : Number.NaN;
  const jobs: HistoricJob[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = new URLSearchParams({
      printer: connection.serial,
      page: String(page),
      per_page: String(PER_PAGE),
    });
    if (Number.isFinite(since)) query.set('date__gt', new Date(since).toISOString());
    // A page past the last one is a 404 (Django REST framework): the end of the list.
    const reply = await session.get(`${api}/prints/?${query}`, webPrints, { emptyOn: [404] });
    if (!reply) break;
    for (const print of reply.results) {
      const job = historicPrint(print, connection.serial);
      if (job) jobs.push(job);
    }
    if (!reply.next || reply.results.length === 0) break;
  }
  return historyPageAfter(jobs, after, limit);
}
