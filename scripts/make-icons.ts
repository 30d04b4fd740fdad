// Draws Echo's icons (resources/icon.png for installers, resources/tray*.png for the tray) from
// code, so that they can be regenerated without an image editor: concentric rings, an echo.
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

function png(size: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function echoMark(size: number, ring: Rgba, background: Rgba | undefined): Buffer {
  return png(size, (x, y) => {
    const c = (size - 1) / 2;
    const d = Math.hypot(x - c, y - c) / (size / 2);
    if (d > 0.98) return [0, 0, 0, 0];
    const band = d < 0.22 || (d > 0.42 && d < 0.56) || (d > 0.76 && d < 0.9);
    if (band) return ring;
    return background ?? [0, 0, 0, 0];
  });
}

writeFileSync('resources/icon.png', echoMark(512, [245, 158, 11, 255], [20, 33, 61, 255]));
for (const [name, colour] of [
  ['tray.png', [20, 33, 61, 255]],
  ['tray-degraded.png', [180, 110, 0, 255]],
  ['tray-offline.png', [179, 38, 30, 255]],
] as const) {
  writeFileSync(`resources/${name}`, echoMark(32, [...colour] as Rgba, undefined));
}
console.log('wrote resources/icon.png and the tray icons');
