import { createHash } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';
import { boundedLines } from './bounded-lines.ts';
import { CollectorError } from './collector-error.ts';

/** Where reading a file stands; kept in the collector state between polls and restarts. */
interface FileMark {
  name: string;
  offset: number;
  /** SHA-1 of the first `headLength` bytes: tells a new file from an old one on shares without inodes. */
  head: string;
  headLength: number;
  /** Inside a line that was cut: skip to its newline first. */
  skipping?: boolean;
}

/** New complete lines of one file, with the byte range they came from. */
export interface TailChunk {
  file: string;
  /** Stable while the file lives, across renames (rotation): device and inode, or the head hash. */
  identity: string;
  start: number;
  end: number;
  text: string;
  /** Lines cut at `maxLineBytes` in this chunk. */
  cutLines: number;
}

export interface LogTailOptions {
  folder: string;
  /** A file-name wildcard: `*` any run of characters, `?` one. */
  pattern: string;
  /** For files present at the very first scan: read them whole, or only what comes after. */
  startAt: 'beginning' | 'end';
  maxChunkBytes: number;
  /** Longer lines are cut, marked and passed on (the rest skipped), never held back. */
  maxLineBytes: number;
  encoding: BufferEncoding;
}

const HEAD_BYTES = 256;

/**
 * Follows the log files of a folder or network share the way `tail -F` does, with the position of
 * each file kept in the collector state, so that a restart neither repeats nor skips a line:
 * - a file is known by its identity (device and inode, plus a hash of its first bytes), so a
 *   rotation (`x.log` renamed to `x.log.1`, a new `x.log`) finishes the old file, then reads the
 *   new one from its start;
 * - a file that shrank was truncated in place (copytruncate): it is read again from the start;
 * - only complete lines are returned; a line still being written waits for its newline, and a
 *   line longer than `maxLineBytes` is cut there and passed on.
 * `read()` returns chunks and the marks to save; the caller saves them once the chunks are stored.
 */
export class LogTail {
  constructor(private readonly options: LogTailOptions) {}

  async read(saved: string | undefined): Promise<{ chunks: TailChunk[]; marks: string }> {
    const first = saved === undefined;
    const marks = new Map<string, FileMark>(Object.entries(first ? {} : (JSON.parse(saved) as object)));
    const files = await this.list(marks);
    const next = new Map<string, FileMark>();
    const chunks: TailChunk[] = [];
    let budget = this.options.maxChunkBytes;
    for (const { name, stat, followOnly } of files) {
      const path = join(this.options.folder, name);
      const head = await readHead(path);
      const identity = stat.ino > 0 ? `${stat.dev}:${stat.ino}` : `head:${head.hash}`;
      let mark = marks.get(identity);
      if (mark && head.bytes.length >= mark.headLength) {
        const prefix = hash(head.bytes.subarray(0, mark.headLength));
        if (prefix !== mark.head) mark = undefined; // same inode, another file: start over
      }
      // A renamed file is followed only if Echo knew it: a copy (copytruncate's) is not news.
      if (!mark && followOnly) continue;
      const startOffset = mark
        ? stat.size < mark.offset
          ? 0
          : mark.offset
        : first && this.options.startAt === 'end'
          ? stat.size
          : 0;
      let offset = startOffset;
      // A file read again from its start (truncated, or new) is not inside a cut line.
      let skipping = mark !== undefined && startOffset === mark.offset && mark.skipping === true;
      if (budget > 0 && stat.size > offset) {
        const data = await readRange(path, offset, Math.min(budget, stat.size - offset));
        const lineCap = Math.min(this.options.maxLineBytes, this.options.maxChunkBytes);
        const chunk = boundedLines(data, this.options.encoding, lineCap, skipping);
        skipping = chunk.skipping;
        if (chunk.bytes > 0) {
          if (chunk.text.length > 0) {
            chunks.push({
              file: name,
              identity,
              start: offset,
              end: offset + chunk.bytes,
              text: chunk.text,
              cutLines: chunk.cut,
            });
          }
          offset += chunk.bytes;
          budget -= chunk.bytes;
        }
      }
      next.set(identity, {
        name,
        offset,
        head: head.hash,
        headLength: head.bytes.length,
        ...(skipping ? { skipping } : {}),
      });
    }
    return { chunks, marks: JSON.stringify(Object.fromEntries(next)) };
  }

  /**
   * Files matching the pattern, plus files renamed away from a known one (`machine.log` →
   * `machine.log.1`) that Echo already follows, so their last lines are not lost; oldest first, so
   * that a rotated file is finished before its successor.
   */
  private async list(
    known: ReadonlyMap<string, FileMark>,
  ): Promise<Array<{ name: string; stat: Stats; followOnly: boolean }>> {
    const { folder } = this.options;
    const names = await readFolder(folder);
    const matcher = wildcard(this.options.pattern);
    const knownNames = [...known.values()].map((m) => m.name);
    const files: Array<{ name: string; stat: Stats; followOnly: boolean }> = [];
    for (const name of names) {
      const matches = matcher.test(name);
      if (!matches && !knownNames.some((k) => name !== k && name.startsWith(k))) continue;
      try {
        const stat = await fs.stat(join(folder, name));
        if (stat.isFile()) files.push({ name, stat, followOnly: !matches });
      } catch (error) {
        // Rotated away between readdir and stat: it is picked up under its new name.
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
      }
    }
    // Renamed files first (they were written before their successors), then by age.
    return files.sort(
      (a, b) =>
        Number(b.followOnly) - Number(a.followOnly) ||
        a.stat.mtimeMs - b.stat.mtimeMs ||
        a.name.localeCompare(b.name),
    );
  }
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

async function readHead(path: string): Promise<{ bytes: Buffer; hash: string }> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    const bytes = buffer.subarray(0, bytesRead);
    return { bytes, hash: hash(bytes) };
  } finally {
    await handle.close();
  }
}

/** Up to `length` bytes of a file from `offset` (fewer at its end). */
async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function hash(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** A file-name wildcard (`*`, `?`) as a regular expression; case-insensitive on Windows. */
export function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, process.platform === 'win32' ? 'i' : '');
}
