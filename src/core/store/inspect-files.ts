import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const WAL_MAGIC = new Set([0x377f0682, 0x377f0683]);
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

/**
 * Cheap checks of a database and its WAL before SQLite opens them, so that damage SQLite would
 * silently paper over (a torn WAL: the frames after the tear are dropped without a word) is seen,
 * quarantined and reported. Returns a description of the damage, or undefined when the files look
 * whole. It reads 100 bytes at most, so it costs nothing on a 1 GB store.
 */
export function inspectDatabaseFiles(path: string): string | undefined {
  if (existsSync(path)) {
    const size = statSync(path).size;
    if (size > 0) {
      const header = readHead(path, 16);
      if (!header.equals(SQLITE_HEADER)) return 'the database file does not start with the SQLite header';
    }
  }
  const walPath = `${path}-wal`;
  if (!existsSync(walPath)) return undefined;
  const walSize = statSync(walPath).size;
  if (walSize === 0) return undefined;
  if (walSize < WAL_HEADER_BYTES)
    return `the WAL file is truncated (${walSize} bytes, shorter than its header)`;
  const head = readHead(walPath, WAL_HEADER_BYTES);
  if (!WAL_MAGIC.has(head.readUInt32BE(0))) return 'the WAL file has no WAL header';
  const pageSize = head.readUInt32BE(8);
  const frame = pageSize + WAL_FRAME_HEADER_BYTES;
  if ((walSize - WAL_HEADER_BYTES) % frame !== 0) {
    return `the WAL file is truncated (${walSize} bytes is not a whole number of ${frame}-byte frames)`;
  }
  return undefined;
}

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
