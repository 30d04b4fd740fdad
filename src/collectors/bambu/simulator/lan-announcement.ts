/**
 * Sends the announcement a Bambu printer in LAN mode multicasts every few seconds (an SSDP-like
 * UDP NOTIFY), once, to `port` on loopback: what Echo's discovery listens for.
 */
export async function announcePrinter(
  port: number,
  printer: { host: string; serial: string; name: string },
): Promise<void> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket('udp4');
  const message = [
    'NOTIFY * HTTP/1.1',
    'HOST: 239.255.255.250:1990',
    'Server: UPnP/1.0',
    `Location: ${printer.host}`,
    'NT: urn:bambulab-com:device:3dprinter:1',
    `USN: ${printer.serial}`,
    'Cache-Control: max-age=1800',
    'DevModel.bambu.com: BL-P001',
    `DevName.bambu.com: ${printer.name}`,
    'DevSignal.bambu.com: -44',
    'DevConnect.bambu.com: lan',
    'DevBind.bambu.com: free',
    '',
    '',
  ].join('\r\n');
  await new Promise<void>((resolve) => socket.send(message, port, '127.0.0.1', () => resolve()));
  socket.close();
}
