import { createHash } from 'node:crypto';
import { NOT_KEPT_IN_NAMES } from '../secrets/machine-secret-name.ts';

/**
 * The folder of a machine's own files under `data_dir/machines/` (its OPC UA trust folder among
 * them), one per name: a readable part (the name, other characters as "_", at most 40) and a hash
 * of the exact name. Names that differ only by spaces and underscores ("printer 1", "printer_1"),
 * or by letter case on Windows' and macOS' case-insensitive disks, never share a folder, and a
 * name Windows reserves (CON, NUL) is never a folder name by itself.
 */
export function machineFolderName(name: string): string {
  const readable = name.replace(NOT_KEPT_IN_NAMES, '_').slice(0, 40);
  // UTF-16 code units as they are: every string, even one with a lone surrogate, hashes apart.
  const hash = createHash('sha256').update(Buffer.from(name, 'utf16le')).digest('hex').slice(0, 16);
  return `${readable}-${hash}`;
}
