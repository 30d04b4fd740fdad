import { createSocket } from 'node:dgram';
import type { DiscoveredMachine } from '../sdk/collector.ts';

/** Bambu printers announce themselves on UDP 2021 in LAN mode (and 1990 on some firmware). */
export const BAMBU_DISCOVERY_PORT = 2021;

/**
 * Parses one of Bambu's SSDP-like `NOTIFY * HTTP/1.1` announcements: `Location` is the printer's
 * address, `USN` its serial number, `DevModel.bambu.com` the model code, `DevName.bambu.com` its
 * name. Anything else on the port is ignored.
 */
export function parseAnnouncement(text: string): DiscoveredMachine | undefined {
  if (!text.startsWith('NOTIFY * HTTP/1.1')) return undefined;
  const headers = new Map<string, string>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (!(headers.get('nt') ?? '').includes('bambulab')) return undefined;
  const host = headers.get('location');
  const serial = headers.get('usn');
  if (!host || !serial) return undefined;
  const model = headers.get('devmodel.bambu.com');
  return {
    collector: 'bambu',
    name: headers.get('devname.bambu.com') ?? serial,
    host,
    serialNumber: serial,
    ...(model ? { model } : {}),
    connection: { host, serial },
  };
}

/** Listens for announcements for `ms` (printers repeat them every few seconds). */
export async function listenForBambu(ms: number, port = BAMBU_DISCOVERY_PORT): Promise<DiscoveredMachine[]> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const found = new Map<string, DiscoveredMachine>();
  socket.on('message', (message) => {
    const machine = parseAnnouncement(message.toString('utf8'));
    if (machine) found.set(machine.serialNumber ?? machine.host, machine);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, () => resolve());
  });
  await new Promise((r) => setTimeout(r, ms));
  await new Promise<void>((r) => socket.close(() => r()));
  return [...found.values()];
}
