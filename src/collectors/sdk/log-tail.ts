import { join } from 'node:path';
import { boundedLines } from './bounded-lines.ts';
import {
  FileProbe,
  hash,
  hashBefore,
  isCompressed,
  PROBE_BYTES,
  readFolder,
  statFile,
  wildcard,
} from './log-tail-files.ts';
import { type FileMark, parseMarks, type SavedMarks, serializeMarks } from './log-tail-marks.ts';

export { readFolder, wildcard } from './log-tail-files.ts';

/** New complete lines of one file, with the byte range they came from. */
export interface TailChunk {
  file: string;
  /** Stable while the file's content lives, across renames (rotation): its inode, or its head. */
  identity: string;
  start: number;
  end: number;
  text: string;
  /** Lines cut at `maxLineBytes` in this chunk. */
  cutLines: number;
}

/** A followed file Echo can no longer finish: deleted, or truncated with no copy to be found. */
export interface TailNotice {
  file: string;
  kind: 'gone' | 'truncated';
  /** Where Echo had read to. */
  offset: number;
  /** Bytes Echo had seen and not read yet, now lost (0: none known; later writes are unknown). */
  unreadBytes: number;
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
  /**
   * How a file is recognised across renames: `inode` (with its content as a check) where the file
   * system has stable inode numbers, `content` (head and bytes before the position) on shares whose
   * inode numbers are missing or change across remounts (SMB mounted with `noserverino`).
   */
  identifyBy?: 'inode' | 'content';
}

/** One file to read in this poll: from where, under which identity. */
interface PlannedRead {
  probe: FileProbe;
  id: string;
  offset: number;
  skipping: boolean;
  /** Continues a mark (read first: it was written before any new file). */
  continues: boolean;
  mark?: FileMark;
}

/** How this read's files relate to the saved marks. */
interface Plan {
  reads: PlannedRead[];
  /** Marks no file continues (yet). */
  open: Set<FileMark>;
  /** Marks whose inode now holds other content (truncated in place, or a new file). */
  reset: Set<FileMark>;
  ignored: Set<string>;
}

/**
 * Follows the log files of a folder or network share the way `tail -F` does, with the position of
 * each file kept in the collector state, so that a restart neither repeats nor skips a line:
 * - a file is known by its content, not its name: its inode where there is one, and always the
 *   hash of its head and of the bytes before the position. A file renamed by a rotation (under any
 *   name in the folder, while Echo ran or while it was down, several times over) is finished from
 *   its position before newer files are read; copytruncate's copy (a new file whose head and bytes
 *   before the position match) is read from the position, and the truncated file from its start;
 * - a rotated file Echo never saw (born and rotated away while Echo was down) is read whole; files
 *   that were there at the first scan, and compressed ones, are not news;
 * - only complete lines are returned; a line still being written waits for its newline, and a
 *   line longer than `maxLineBytes` is cut there and passed on.
 * `read()` returns chunks and the marks to save; the caller saves them with the chunks' records.
 */
export class LogTail {
  private readonly matcher: RegExp;
  private readonly useInodes: boolean;

  constructor(private readonly options: LogTailOptions) {
    this.matcher = wildcard(options.pattern);
    this.useInodes = options.identifyBy !== 'content';
  }

  async read(
    saved: string | undefined,
  ): Promise<{ chunks: TailChunk[]; marks: string; notices: TailNotice[] }> {
    const state = parseMarks(saved);
    const names = await readFolder(this.options.folder);
    const probes: FileProbe[] = [];
    try {
      const family = this.family(names, state);
      probes.push(...(await this.probe(names.filter(family))));
      const plan = await this.plan(probes, state);
      if (plan.open.size > 0) {
        // A followed file is not among them: look for it under every other name of the folder.
        const others = await this.probe(names.filter((name) => !family(name)));
        probes.push(...others);
        await this.continueMarks(others, plan);
      }
      const notices = [...plan.open].map((mark) => ({
        file: mark.name,
        kind: plan.reset.has(mark) ? ('truncated' as const) : ('gone' as const),
        offset: mark.offset,
        unreadBytes: Math.max(0, (mark.size ?? 0) - mark.offset),
      }));
      const { chunks, marks } = await this.readPlanned(plan.reads);
      return { chunks, marks: serializeMarks(marks, plan.ignored), notices };
    } finally {
      await Promise.all(probes.map((p) => p.close()));
    }
  }

  /**
   * The files of the pattern, and names that extend one of them or a followed file's (`m.log` →
   * `m.log.1`): rotated files. One set lookup per prefix of a name: linear in the folder's size.
   */
  private family(names: readonly string[], state: SavedMarks): (name: string) => boolean {
    const bases = new Set(state.files.map((m) => m.name));
    for (const name of names) if (this.matcher.test(name)) bases.add(name);
    return (name) => {
      if (this.matcher.test(name)) return true;
      for (let end = name.length - 1; end > 0; end--) if (bases.has(name.slice(0, end))) return true;
      return false;
    };
  }

  /** Stats `names` (files only; one rotated away since the listing is skipped). */
  private async probe(names: readonly string[]): Promise<FileProbe[]> {
    const probes: FileProbe[] = [];
    for (const name of names) {
      const path = join(this.options.folder, name);
      const stat = await statFile(path);
      if (stat) probes.push(new FileProbe(name, path, stat, this.matcher.test(name), this.useInodes));
    }
    return probes;
  }

  /** Which file continues which mark, which are new, which are not followed. */
  private async plan(probes: readonly FileProbe[], state: SavedMarks): Promise<Plan> {
    const plan: Plan = { reads: [], open: new Set(state.files), reset: new Set(), ignored: new Set() };
    await this.continueMarks(probes, plan);
    const planned = new Set(plan.reads.map((r) => r.probe));
    const startAtEnd = state.first && this.options.startAt === 'end';
    // A hard link to a file already planned is the same file.
    const inodes = new Set(plan.reads.map((r) => r.probe.ino));
    for (const probe of probes) {
      if (planned.has(probe) || (probe.ino !== undefined && inodes.has(probe.ino))) continue;
      if (!probe.matches) {
        // A rotated name with content Echo never read: news if it appeared since the last scan
        // (written and rotated away while Echo was down); not if it was there before.
        const key = await probe.key();
        if (state.first || state.legacy || state.ignored.has(key)) {
          plan.ignored.add(key);
          continue;
        }
      }
      const head = await probe.head();
      if (isCompressed(head)) {
        plan.ignored.add(await probe.key());
        continue;
      }
      inodes.add(probe.ino);
      const reset = [...plan.reset].some((m) => m.ino !== undefined && m.ino === probe.ino);
      const headHash = hash(head);
      const offset = startAtEnd && probe.matches ? probe.stat.size : 0;
      plan.reads.push({
        probe,
        // A truncated file's new content is another capture than what the inode held before.
        id:
          probe.ino === undefined
            ? `head:${headHash}`
            : reset
              ? `${probe.ino}:${headHash.slice(0, 12)}`
              : probe.ino,
        offset,
        // Started at the end of a line being written: its rest is not a line.
        skipping: offset > 0 && !(await endsLine(probe, offset, this.options.encoding)),
        continues: false,
      });
    }
    return plan;
  }

  /**
   * Assigns files to the open marks they continue: first by inode (`byInode`), then by content
   * (head and bytes before the position), which finds copytruncate's copy and renamed files on
   * shares without inodes. A file that does not continue its inode's mark has new content.
   */
  private async continueMarks(probes: readonly FileProbe[], plan: Plan): Promise<void> {
    const taken = new Set(plan.reads.map((r) => r.probe));
    const seenInodes = new Set<string>();
    for (const probe of probes) {
      if (probe.ino === undefined) continue;
      // A hard link to a file already taken is the same file.
      if (seenInodes.has(probe.ino)) taken.add(probe);
      seenInodes.add(probe.ino);
      const mark = [...plan.open].find((m) => m.ino === probe.ino);
      if (!mark) continue;
      if (await continues(probe, mark)) {
        this.take(plan, probe, mark, mark.id);
        taken.add(probe);
      } else plan.reset.add(mark);
    }
    for (const probe of probes) {
      if (taken.has(probe) || plan.open.size === 0) continue;
      for (const mark of plan.open) {
        if (mark.ino !== undefined && mark.ino === probe.ino) continue;
        if (!(await continues(probe, mark))) continue;
        this.take(plan, probe, mark, probe.ino ?? mark.id);
        taken.add(probe);
        break;
      }
    }
  }

  private take(plan: Plan, probe: FileProbe, mark: FileMark, id: string): void {
    plan.open.delete(mark);
    plan.reads.push({
      probe,
      id,
      offset: mark.offset,
      skipping: mark.skipping === true,
      continues: true,
      mark,
    });
  }

  /** Reads the planned files within the byte budget: continued ones first, then new ones, oldest first. */
  private async readPlanned(reads: PlannedRead[]): Promise<{ chunks: TailChunk[]; marks: FileMark[] }> {
    // Rotated names hold older lines than the pattern's; file times are coarse (a few ms), so on
    // a tie `m.log.2` comes before `m.log.1`.
    const order = (a: PlannedRead, b: PlannedRead) =>
      Number(b.continues) - Number(a.continues) ||
      Number(a.probe.matches) - Number(b.probe.matches) ||
      a.probe.stat.mtimeMs - b.probe.stat.mtimeMs ||
      (a.probe.matches ? 1 : -1) * a.probe.name.localeCompare(b.probe.name, 'en', { numeric: true });
    const chunks: TailChunk[] = [];
    const marks: FileMark[] = [];
    let budget = this.options.maxChunkBytes;
    const lineCap = Math.min(this.options.maxLineBytes, this.options.maxChunkBytes);
    for (const read of [...reads].sort(order)) {
      const { probe } = read;
      let offset = read.offset;
      let skipping = read.skipping;
      let before = read.mark && read.mark.offset === offset ? read.mark.before : undefined;
      if (budget > 0 && probe.stat.size > offset) {
        const data = await probe.range(offset, Math.min(budget, probe.stat.size - offset));
        const chunk = boundedLines(data, this.options.encoding, lineCap, skipping);
        skipping = chunk.skipping;
        if (chunk.bytes > 0) {
          if (chunk.text.length > 0) {
            chunks.push({
              file: probe.name,
              identity: read.id,
              start: offset,
              end: offset + chunk.bytes,
              text: chunk.text,
              cutLines: chunk.cut,
            });
          }
          offset += chunk.bytes;
          budget -= chunk.bytes;
          before =
            chunk.bytes >= PROBE_BYTES
              ? hash(data.subarray(chunk.bytes - PROBE_BYTES, chunk.bytes))
              : undefined;
        }
      }
      before ??= await hashBefore(probe, offset);
      const unchanged =
        read.mark !== undefined &&
        read.mark.ino === probe.ino &&
        read.mark.size === probe.stat.size &&
        read.mark.mtimeMs === probe.stat.mtimeMs;
      const head = unchanged ? undefined : await probe.head();
      marks.push({
        id: read.id,
        ino: probe.ino,
        name: probe.name,
        offset,
        head: head ? hash(head) : read.mark!.head,
        headLength: head ? head.length : read.mark!.headLength,
        before,
        size: probe.stat.size,
        mtimeMs: probe.stat.mtimeMs,
        ...(skipping ? { skipping } : {}),
      });
    }
    return { chunks, marks };
  }
}

/** Whether the character before `offset` is a newline. */
async function endsLine(probe: FileProbe, offset: number, encoding: BufferEncoding): Promise<boolean> {
  if (encoding === 'utf16le') {
    const last = await probe.range(offset - 2, 2);
    return last[0] === 0x0a && last[1] === 0x00;
  }
  return (await probe.range(offset - 1, 1))[0] === 0x0a;
}

/**
 * Whether `probe` holds what `mark` read: at least as long, with the same head and the same bytes
 * before the position. The same inode, size and modification time as last seen is taken as is.
 */
async function continues(probe: FileProbe, mark: FileMark): Promise<boolean> {
  if (probe.stat.size < mark.offset) return false;
  if (
    probe.ino !== undefined &&
    probe.ino === mark.ino &&
    probe.stat.size === mark.size &&
    probe.stat.mtimeMs === mark.mtimeMs
  ) {
    return true;
  }
  const head = await probe.head();
  if (head.length < mark.headLength || hash(head.subarray(0, mark.headLength)) !== mark.head) return false;
  return mark.before === undefined || (await hashBefore(probe, mark.offset)) === mark.before;
}
