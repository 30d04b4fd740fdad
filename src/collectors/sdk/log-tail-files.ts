import { createHash } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { CollectorError } from './collector-error.ts';

/** Bytes hashed at a file's start (its head) and before a read position. */
export const PROBE_BYTES = 256;

/**
 * One file of a log folder during one read: its stat, and its bytes read through a single handle
 * opened on first use (so a poll opens each changed file once, and an unchanged one not at all).
 */
export class FileProbe {
  /** `device:inode`, or undefined where the file system has none (some shares). */
  readonly ino: string | undefined;
  private handle: fs.FileHandle | undefined;
  private headBytes: Buffer | undefined;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly stat: Stats,
    /** The name matches the pattern (otherwise it is a rotated name, followed only if known). */
    readonly matches: boolean,
    /** Trust inode numbers (false on shares whose numbers change across remounts). */
    useInodes: boolean,
  ) {
    this.ino = useInodes && stat.ino > 0 ? `${stat.dev}:${stat.ino}` : undefined;
  }

  /** The first `PROBE_BYTES` bytes (fewer in a small file). */
  async head(): Promise<Buffer> {
    this.headBytes ??= await this.range(0, PROBE_BYTES);
    return this.headBytes;
  }

  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  async range(offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    this.handle ??= await fs.open(this.path, 'r');
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }

  /** A key for a file that is not followed: its inode, or its head where there is none. */
  async key(): Promise<string> {
    return this.ino ?? `head:${hash(await this.head())}`;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

/** The hash of the up to `PROBE_BYTES` bytes before `offset`, as FileMark.before keeps it. */
export async function hashBefore(probe: FileProbe, offset: number): Promise<string> {
  const length = Math.min(PROBE_BYTES, offset);
  return hash(await probe.range(offset - length, length));
}

export function hash(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/**
 * Compressed files (logrotate's `compress`: `.gz`, and the other usual formats), known by their
 * first bytes: a rotated log compressed is not text to send.
 */
export function isCompressed(head: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  return (
    starts(0x1f, 0x8b) || // gzip
    starts(0x42, 0x5a, 0x68) || // bzip2
    starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00) || // xz
    starts(0x28, 0xb5, 0x2f, 0xfd) || // zstd
    starts(0x50, 0x4b, 0x03, 0x04) || // zip
    starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c) // 7z
  );
}

/** The names in a log folder; a missing or unreadable share is named, with what to check. */
export async function readFolder(folder: string): Promise<string[]> {
  try {
    return await fs.readdir(folder);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new CollectorError(
      code === 'EACCES' || code === 'EPERM' ? 'auth' : 'unreachable',
      `log folder ${folder} cannot be read (${code}); check that the share is mounted and readable`,
      error,
    );
  }
}

/** The stat of a regular file, or undefined when it is gone (rotated away since the listing). */
export async function statFile(path: string): Promise<Stats | undefined> {
  try {
    const stat = await fs.stat(path);
    return stat.isFile() ? stat : undefined;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A file-name wildcard (`*`, `?`) as a regular expression; case-insensitive on Windows. */
export function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, process.platform === 'win32' ? 'i' : '');
}
