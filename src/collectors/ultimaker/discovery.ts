import type { DiscoveredMachine } from '../sdk/collector.ts';
import { browse } from '../sdk/mdns.ts';
import { modelFromBom } from './models.ts';

export const ULTIMAKER_SERVICE = '_ultimaker._tcp.local';

/**
 * Ultimaker printers announce `_ultimaker._tcp` over mDNS/DNS-SD with their name, BOM number and
 * firmware in TXT records; each answer becomes a machine for the add-machine wizard.
 */
export async function findUltimakers(
  ms: number,
  target?: { address: string; port: number },
): Promise<DiscoveredMachine[]> {
  const services = await browse(ULTIMAKER_SERVICE, ms, target);
  return services.map((s) => {
    const host = s.address ?? s.host;
    return {
      collector: 'ultimaker',
      name: s.txt.name ?? s.instance.replace(`.${ULTIMAKER_SERVICE}`, ''),
      host,
      // TXT `machine` is the BOM number (`9051.0`), not a model name: see models.ts.
      ...(s.txt.machine ? { model: modelFromBom(s.txt.machine) } : {}),
      connection: { host, ...(s.port !== 80 ? { port: s.port } : {}) },
    };
  });
}
