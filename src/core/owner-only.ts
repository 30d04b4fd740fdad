import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATABASE_FILE } from './database-file.ts';

/**
 * The files of `data_dir` that hold the store or a secret. A mode given when a file is created
 * (`writeFileSync(…, { mode })`, SQLite's umask default) says nothing about a file that was there
 * already, copied in, restored from a backup or made by an older Echo: they are set again at
 * every start.
 */
const PRIVATE_FILES = [
  DATABASE_FILE,
  `${DATABASE_FILE}-wal`,
  `${DATABASE_FILE}-shm`,
  'secrets.json',
  'secrets.enc',
  'api.json',
  'machines.local.json',
  'settings.local.json',
  'installation.json',
  'echo.reserve',
] as const;

/** Why a path could not be made owner-only (the agent logs it and runs on). */
export interface OwnerOnlyProblem {
  path: string;
  reason: string;
}

/**
 * `chmod`, where modes mean something. Nothing to report on Windows (chmod there only toggles
 * read-only; the folder's ACL under the user's profile or the service account's is what protects
 * it) nor for a path that does not exist. Any other failure (a file system without modes, a FAT or
 * SMB mount, a FUSE one that answers EINVAL, a file of another user) is reported, never thrown:
 * the agent logs it and must still start.
 */
export function restrictToOwner(
  path: string,
  mode: 0o700 | 0o600,
  platform: NodeJS.Platform = process.platform,
): OwnerOnlyProblem | undefined {
  if (platform === 'win32') return undefined;
  try {
    chmodSync(path, mode);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { path, reason: code ?? String(error) };
  }
}

/** `data_dir` 0700 and its store and secret files 0600, whether or not Echo created them. */
export function restrictDataDir(
  dataDir: string,
  platform: NodeJS.Platform = process.platform,
): OwnerOnlyProblem[] {
  return [
    restrictToOwner(dataDir, 0o700, platform),
    ...PRIVATE_FILES.map((name) => restrictToOwner(join(dataDir, name), 0o600, platform)),
  ].filter((problem): problem is OwnerOnlyProblem => problem !== undefined);
}

/**
 * Replaces the file at `path` with `text`, readable by its owner only, atomically: the text goes
 * to a temporary file beside it, made 0600 (a temporary file a crash left behind is removed first,
 * whatever its mode), flushed to disk, then renamed over `path`, and the rename flushed with its
 * folder. A crash or power cut leaves the old file or the new one, never a half-written one.
 */
export function writeOwnerOnlyAtomic(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    // A write the disk refused (full, gone read-only) leaves no half file holding space.
    rmSync(temporary, { force: true });
    throw error;
  }
  syncFolder(dirname(path));
}

/** Makes a rename in `dir` durable (the folder's entry fsynced); a no-op on Windows. */
export function syncFolder(dir: string): void {
  // Folders cannot be opened for fsync on Windows; NTFS journals the entry itself.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
