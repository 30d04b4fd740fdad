import { accountKey, CloudAccountCollector } from '../sdk/cloud-account-collector.ts';
import type { Collector, CollectorContext } from '../sdk/collector.ts';
import { credentialFingerprint } from '../sdk/vendor-account.ts';
import { localAccount, webAccount, webHistory } from './api.ts';
import type { FormlabsConnection } from './config.ts';
import { toSnapshot } from './map.ts';
import type { FormlabsPrinter } from './protocol.ts';

const serialOf = (p: FormlabsPrinter) => (p.source === 'web' ? p.printer.serial : p.device.id);

/**
 * One Formlabs printer: its entry in the account's printer list, read by the account's shared
 * poller (one `GET /printers/` per interval for all the machines of the account).
 */
export function formlabsCollector(connection: FormlabsConnection, ctx: CollectorContext): Collector {
  const cloud = connection.mode === 'cloud';
  const where = cloud ? `Formlabs account "${connection.account}"` : `PreFormServer ${connection.local_url}`;
  return new CloudAccountCollector<FormlabsPrinter[], FormlabsPrinter>(
    {
      key: cloud
        ? accountKey('formlabs', connection.api_url, connection.account ?? '')
        : `formlabs-local|${connection.local_url}`,
      fingerprint: cloud
        ? credentialFingerprint(ctx.credentials.username, ctx.credentials.password)
        : 'local',
      account: () => (cloud ? webAccount(connection, ctx) : localAccount(connection, ctx)),
      select: (printers) => printers.find((p) => serialOf(p) === connection.serial),
      notListed: `${where} does not list printer "${connection.serial}": check connection.serial (and that the printer is on this account)`,
      toSnapshot,
      status: {
        captureTypeName: 'formlabs.modeler.status',
        document: (entry) => (entry.source === 'web' ? entry.printer : entry.device),
        meta: (entry) => ({
          serial: connection.serial,
          source: entry.source === 'web' ? 'formlabs-web-api' : 'preformserver',
        }),
        significant: (snapshot) => [
          snapshot.state,
          snapshot.job?.id,
          snapshot.job?.result,
          snapshot.job?.layer,
        ],
      },
      // The Web API keeps every print of the account (`/prints/`); PreFormServer keeps none.
      ...(cloud
        ? {
            history: (session, _entry, after, limit) => webHistory(connection, session, after, limit),
          }
        : {}),
      describe: (_entry, snapshot) => ({
        ok: true,
        message: `${where} lists printer ${connection.serial}: ${snapshot.state}`,
        details: { serial: connection.serial, firmware: snapshot.firmware ?? null, state: snapshot.state },
      }),
    },
    ctx,
  );
}
