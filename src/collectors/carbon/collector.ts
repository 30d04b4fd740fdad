import { CloudAccountCollector } from '../sdk/cloud-account-collector.ts';
import type { Collector, CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { type AccountSpec, credentialFingerprint } from '../sdk/vendor-account.ts';
import type { CarbonConnection } from './config.ts';
import { carbonToken } from './jwt.ts';
import { toSnapshot } from './map.ts';
import { type Printer, printersResponse } from './protocol.ts';

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
      key: `carbon|${connection.api_url}|${connection.account}`,
      fingerprint: credentialFingerprint(ctx.credentials.username, ctx.credentials.password),
      account: () => carbonAccount(connection, ctx),
      select: (list) => list.find((p) => p.serial === connection.serial),
      notListed: `${where} does not list printer "${connection.serial}": check connection.serial (and that the printer is on this account)`,
      toSnapshot,
      capture: (p, view) => {
        const { snapshot } = toSnapshot(p);
        return {
          captureTypeName: 'carbon3D.modeler.status',
          content: JSON.stringify(p),
          contentType: 'application/json',
          meta: {
            serial: connection.serial,
            source: 'carbon-api-v1',
            read_at: view.readAt,
            ...(view.rateLimitedUntil ? { rate_limited_until: view.rateLimitedUntil } : {}),
          },
          dedupeKey: 'status',
          significant: JSON.stringify([
            snapshot.state,
            snapshot.job?.id,
            snapshot.job?.result,
            snapshot.errors,
          ]),
        };
      },
      describe: (p) => {
        const { snapshot } = toSnapshot(p);
        return {
          ok: true,
          message: `${where} lists printer ${p.name ?? p.serial}: ${snapshot.state}`,
          details: { serial: p.serial, firmware: snapshot.firmware ?? null, hw_type: p.hw_type ?? null },
        };
      },
    },
    ctx,
  );
}
