import { z } from 'zod';

/** Where reading one file stands; kept in the collector state between polls and restarts. */
export interface FileMark {
  /** Names the file's content in capture keys: its inode, or a hash of its head without inodes. */
  id: string;
  /** `device:inode` where the file system has inodes (not on some shares). */
  ino?: string | undefined;
  /** The file's name when last seen (it may have been renamed since). */
  name: string;
  /** Bytes read and stored: the next read starts here. */
  offset: number;
  /** SHA-1 of the first `headLength` bytes: tells a new file from an old one. */
  head: string;
  headLength: number;
  /**
   * SHA-1 of the (up to 256) bytes just before `offset`: a file whose head and these bytes match
   * holds what Echo read (the same file renamed, or copytruncate's copy), whatever its name.
   */
  before?: string | undefined;
  /** Size and modification time when last seen: an unchanged file is not opened again. */
  size?: number | undefined;
  mtimeMs?: number | undefined;
  /** Inside a line that was cut: skip to its newline first. */
  skipping?: boolean | undefined;
}

/** What the tail knows at the start of a read. */
export interface SavedMarks {
  files: FileMark[];
  /** Files that are not followed (there before Echo, compressed): keys of `fileKey`. */
  ignored: Set<string>;
  /** Nothing saved yet: the very first scan (`start_at` applies). */
  first: boolean;
  /** Saved by an Echo that did not keep `ignored`: rotated files it did not know are not news. */
  legacy: boolean;
}

const VERSION = 2;

const fileMark = z.object({
  id: z.string(),
  ino: z.string().optional(),
  name: z.string(),
  offset: z.number().int().nonnegative(),
  head: z.string(),
  headLength: z.number().int().nonnegative(),
  before: z.string().optional(),
  size: z.number().optional(),
  mtimeMs: z.number().optional(),
  skipping: z.boolean().optional(),
});

const savedV2 = z.object({
  v: z.literal(VERSION),
  files: z.array(fileMark),
  ignored: z.array(z.string()),
});

/** Before version 2: identity → mark, the identity being `dev:ino` or `head:<sha1>`. */
const savedV1 = z.record(
  z.string(),
  z.object({
    name: z.string(),
    offset: z.number().int().nonnegative(),
    head: z.string(),
    headLength: z.number().int().nonnegative(),
    skipping: z.boolean().optional(),
  }),
);

/**
 * The saved marks. What cannot be read (a state written by a broken build) starts over as a first
 * scan, which `start_at` governs: the tail never stops on its own bookkeeping.
 */
export function parseMarks(saved: string | undefined): SavedMarks {
  const none = { files: [], ignored: new Set<string>(), first: true, legacy: false };
  if (saved === undefined) return none;
  let json: unknown;
  try {
    json = JSON.parse(saved);
  } catch {
    return none;
  }
  const current = savedV2.safeParse(json);
  if (current.success) {
    return {
      files: current.data.files,
      ignored: new Set(current.data.ignored),
      first: false,
      legacy: false,
    };
  }
  const old = savedV1.safeParse(json);
  if (!old.success) return none;
  const files = Object.entries(old.data).map(([identity, mark]) => ({
    ...mark,
    id: identity,
    ...(identity.startsWith('head:') ? {} : { ino: identity }),
  }));
  return { files, ignored: new Set(), first: false, legacy: true };
}

export function serializeMarks(files: readonly FileMark[], ignored: Iterable<string>): string {
  return JSON.stringify({ v: VERSION, files, ignored: [...ignored] });
}
