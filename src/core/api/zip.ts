import { type Zippable, zipSync } from 'fflate';

/**
 * A zip archive of a few files, stored without compression: a diagnostics bundle is small and
 * must open anywhere (Windows Explorer, macOS Finder, unzip). Written by fflate's `zipSync`
 * (local headers with sizes and CRC, a central directory and its end record; no data
 * descriptors, no zip64: files stay far below 4 GB). Names are UTF-8 and must be unique; the
 * files keep the given order (a name that looks like an array index aside, which JavaScript
 * objects list first).
 */
export function zipFiles(
  files: ReadonlyArray<{ name: string; content: string | Buffer }>,
  when = new Date(),
): Buffer {
  const entries: Zippable = Object.create(null);
  for (const file of files) {
    if (Object.hasOwn(entries, file.name)) throw new Error(`zip: the name ${file.name} is given twice`);
    const data = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    entries[file.name] = [data, { level: 0, mtime: when }];
  }
  const zip = zipSync(entries);
  return Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
}
