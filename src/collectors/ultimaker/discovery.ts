import type { DiscoveredMachine } from '../sdk/collector.ts';
import { browse } from '../sdk/mdns.ts';

export const ULTIMAKER_SERVICE = '_ultimaker._tcp.local';

/**
 * Ultimaker printers announce `_ultimaker._tcp` over mDNS/DNS-SD with their name, machine type and
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
      ...(s.txt.machine ? { model: s.txt.machine } : {}),
      connection: { host, ...(s.port !== 80 ? { port: s.port } : {}) },
    };
  });
}
