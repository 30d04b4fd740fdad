import type { DiscoveredMachine } from '../sdk/collector.ts';
import { getJson, HttpPools } from '../sdk/http-json.ts';
import { httpSend } from '../sdk/http-send.ts';
import { localDevices } from './protocol.ts';

/** Where PreFormServer listens by default (Formlabs' local API). */
export const PREFORM_SERVER_URL = 'http://localhost:44388';

/** The most devices one discovery lists: a shop, not a data centre. */
const MAX_DEVICES = 200;

/**
 * Formlabs' own discovery: PreFormServer on this PC looks for printers on the network
 * (`POST /discover-devices/`), then lists what it knows (`GET /devices/`); each device becomes a
 * machine of the add-machine wizard in local mode. No PreFormServer here: nothing found, not an
 * error (most shops have none).
 */
export async function findFormlabsPrinters(
  ms: number,
  url: string = PREFORM_SERVER_URL,
): Promise<DiscoveredMachine[]> {
  const pools = new HttpPools();
  const signal = AbortSignal.timeout(Math.max(1000, ms + 2000));
  const base = url.replace(/\/+$/, '');
  try {
    await httpSend('POST', `${base}/discover-devices/`, {
      signal,
      pools,
      body: {
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify({ timeout_seconds: Math.max(1, Math.round(ms / 1000)) })),
      },
    });
    const devices =
      (await getJson(`${base}/devices/`, localDevices, { signal, pools, maxBodyBytes: 1024 * 1024 })) ?? [];
    return devices.slice(0, MAX_DEVICES).map((device) => ({
      collector: 'formlabs',
      name: device.id,
      host: device.ip_address ?? new URL(base).hostname,
      serialNumber: device.id,
      ...(device.product_name ? { model: device.product_name } : {}),
      connection: {
        mode: 'local',
        serial: device.id,
        ...(base !== PREFORM_SERVER_URL ? { local_url: base } : {}),
      },
    }));
  } catch {
    // No PreFormServer on this PC (refused, silent, or something else on the port): none found.
    return [];
  } finally {
    pools.destroy();
  }
}
