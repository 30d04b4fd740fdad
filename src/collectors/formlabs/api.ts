import type { CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { parseJsonReply } from '../sdk/http-json.ts';
import type { AccountSpec } from '../sdk/vendor-account.ts';
import type { FormlabsConnection } from './config.ts';
import { type FormlabsPrinter, localDevices, tokenReply, webPrinters } from './protocol.ts';

/** Formlabs' token lifetime when its answer does not say (24 h, Web API docs). */
const DEFAULT_TOKEN_SECONDS = 86_400;

const base = (url: string) => url.replace(/\/+$/, '');

/**
 * The Web API account: `POST /o/token/` (client credentials → a bearer token for 24 h), then one
 * `GET /printers/` per interval for every printer of the account.
 */
export function webAccount(
  connection: FormlabsConnection,
  ctx: CollectorContext,
): AccountSpec<FormlabsPrinter[]> {
  const api = base(connection.api_url);
  const { username: clientId, password: clientSecret } = ctx.credentials;
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
      const printers = (await session.get(`${api}/printers/`, webPrinters)) ?? [];
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
