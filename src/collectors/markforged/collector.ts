import { CloudAccountCollector } from '../sdk/cloud-account-collector.ts';
import type { Collector, CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { basicAuth } from '../sdk/http-send.ts';
import { type AccountSpec, credentialFingerprint } from '../sdk/vendor-account.ts';
import type { MarkforgedConnection } from './config.ts';
import { toSnapshot } from './map.ts';
import { type Device, devices } from './protocol.ts';

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
      key: `markforged|${connection.api_url}|${connection.account}`,
      fingerprint: credentialFingerprint(ctx.credentials.username, ctx.credentials.password),
      account: () => eigerAccount(connection, ctx),
      select: (list) =>
        list.find((d) => d.serial === connection.serial) ?? list.find((d) => d.id === connection.serial),
      notListed: `${where} does not list device "${connection.serial}": check connection.serial (and that the printer is in this organization)`,
      toSnapshot,
      capture: (device, view) => {
        const { snapshot } = toSnapshot(device);
        return {
          captureTypeName: 'markforged.modeler.status',
          content: JSON.stringify(device),
          contentType: 'application/json',
          meta: {
            serial: connection.serial,
            device_id: device.id,
            source: 'eiger-api-v3',
            read_at: view.readAt,
            ...(view.rateLimitedUntil ? { rate_limited_until: view.rateLimitedUntil } : {}),
          },
          dedupeKey: 'status',
          significant: JSON.stringify([
            snapshot.state,
            snapshot.job?.id,
            snapshot.job?.result,
            snapshot.job?.progress === undefined ? null : Math.floor(snapshot.job.progress),
          ]),
        };
      },
      describe: (device) => {
        const { snapshot } = toSnapshot(device);
        return {
          ok: true,
          message: `${where} lists device ${device.name ?? device.id}: ${snapshot.state}`,
          details: {
            serial: device.serial ?? connection.serial,
            firmware: snapshot.firmware ?? null,
            device_id: device.id,
          },
        };
      },
    },
    ctx,
  );
}
