import { existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeError, StoreError } from '../../shared/errors.ts';

/** What a failed store operation means for the agent. */
export type StoreFailureKind = 'disk_full' | 'unwritable' | 'corrupt' | 'other';

/**
 * Below this many free bytes an ambiguous I/O error (SQLite's SQLITE_IOERR_* family, which is what
 * a WAL or shared-memory write returns when the disk fills) is taken for a full disk rather than
 * for damage: quarantining a healthy database because the disk is full would be the worst answer.
 */
const NEARLY_FULL_BYTES = 1024 * 1024;

const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const UNWRITABLE_CODES = new Set([
  'SQLITE_PERM',
  'SQLITE_AUTH',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOENT',
  'ENOTDIR',
  'ENODEV',
  'ENXIO',
  'ESTALE',
  'ENOTCONN',
  'EIO',
]);

/** Bytes free for this user on the file system holding `dir`; undefined when it cannot be read. */
export function freeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Makes and removes a small file in `dir` (made first when `make`): undefined when that works,
 * else the failure, whose code says why (EROFS, EACCES, ENOSPC, ENOENT). A real write, not an
 * access(2) check: on Windows access() ignores ACLs, and a read-only mount is only seen by writing.
 */
export function probeWritable(dir: string, make = false): NodeJS.ErrnoException | undefined {
  const file = join(dir, `.echo-write-probe-${process.pid}`);
  try {
    if (make) mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, 'probe', { mode: 0o600 });
    rmSync(file, { force: true });
    return undefined;
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}

/**
 * Sorts a failure of a store write (SQLite or the file system) into what the agent does about it:
 * a full disk and an unwritable store are states it waits out; damage is quarantined; anything else
 * is a bug and is thrown on. `dataDir` is looked at only for SQLite's ambiguous I/O errors.
 */
export function classifyStoreFailure(error: unknown, dataDir: string): StoreFailureKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (DISK_FULL_CODES.has(code)) return 'disk_full';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) return 'unwritable';
  if (UNWRITABLE_CODES.has(code)) return 'unwritable';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_IOERR')) {
    const free = freeBytes(dataDir);
    if (free === undefined || probeWritable(dataDir) !== undefined) return 'unwritable';
    if (free < NEARLY_FULL_BYTES) return 'disk_full';
    return 'corrupt';
  }
  return 'other';
}

const ACCESS_WORDS: Record<string, string> = {
  EROFS: 'a read-only file system',
  EACCES: 'not writable by this user',
  EPERM: 'not writable by this user',
  ENOSPC: 'on a full disk',
};

/**
 * Why `dir` cannot be written, in words, from the nearest folder that exists (the OS's own error
 * for a folder that cannot be made on a read-only disk is a misleading ENOENT); undefined when it
 * can be written or no reason is found.
 */
export function explainUnwritable(dir: string): string | undefined {
  let folder = dir;
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  const failure = probeWritable(folder);
  if (failure === undefined) return folder === dir ? undefined : `${dir} does not exist`;
  const code = failure.code ?? 'unknown';
  return `${folder} is ${ACCESS_WORDS[code] ?? `not writable (${code})`}`;
}

/**
 * The StoreError a full disk or an unwritable folder stands for, naming the folder (retryable: a
 * state the store leaves by itself). `doing` says what failed ("written", "opened").
 */
export function hostFailureError(
  kind: 'disk_full' | 'unwritable',
  error: unknown,
  dir: string,
  doing = 'written',
): StoreError {
  const reason = describeError(error);
  return kind === 'disk_full'
    ? new StoreError('ECHO_ERR_DISK_FULL', `the disk under ${dir} is full (${reason})`, {
        cause: error,
        retryable: true,
      })
    : new StoreError('ECHO_ERR_STORE_UNWRITABLE', `the store in ${dir} cannot be ${doing} (${reason})`, {
        cause: error,
        retryable: true,
      });
}
