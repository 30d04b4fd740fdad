import { chmodSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files of `data_dir` that hold the store or a secret. A mode given when a file is created
 * (`writeFileSync(…, { mode })`, SQLite's umask default) says nothing about a file that was there
 * already, copied in, restored from a backup or made by an older Echo: they are set again at
 * every start.
 */
const PRIVATE_FILES = [
  'echo.db',
  'echo.db-wal',
  'echo.db-shm',
  'secrets.json',
  'secrets.enc',
  'api.json',
  'machines.local.json',
  'settings.local.json',
] as const;

/** Why a path could not be made owner-only (the agent logs it and runs on). */
export interface OwnerOnlyProblem {
  path: string;
  reason: string;
}

/**
 * `chmod`, where modes mean something. False on Windows (chmod there only toggles read-only; the
 * folder's ACL under the user's profile or the service account's is what protects it) and for a
 * path that does not exist. A file system without modes (a FAT or SMB mount) is reported, not
 * fatal: the agent must still start.
 */
export function restrictToOwner(
  path: string,
  mode: 0o700 | 0o600,
  platform: NodeJS.Platform = process.platform,
): boolean | OwnerOnlyProblem {
  if (platform === 'win32') return false;
  try {
    chmodSync(path, mode);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EROFS') return { path, reason: String(code) };
    throw error;
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
  ].filter((result): result is OwnerOnlyProblem => typeof result === 'object');
}

/**
 * The database and its WAL and shared-memory files 0600. Called before SQLite writes: the WAL and
 * SHM files it makes later take the database file's mode, so they are owner-only from birth.
 */
export function restrictDatabaseFiles(path: string, platform: NodeJS.Platform = process.platform): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) restrictToOwner(file, 0o600, platform);
}
