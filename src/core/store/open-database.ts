import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { describeError, EchoError } from '../../shared/errors.ts';
import { restrictToOwner } from '../owner-only.ts';
import { inspectDatabaseFiles } from './inspect-files.ts';
import { applyMigrations } from './migrations/index.ts';
import { type QuarantineReport, quarantineFiles, salvageInto } from './salvage.ts';
import { classifyStoreFailure, hostFailureError } from './store-failure.ts';

export interface OpenOptions {
  /** Databases up to this size get `PRAGMA quick_check` at open; larger ones are checked lazily. */
  startupCheckMaxBytes: number;
  now?: () => Date;
}

export interface OpenedDatabase {
  db: Database.Database;
  quarantine?: QuarantineReport;
}

/**
 * Opens (or creates) the store database with durable settings. A damaged file is quarantined and
 * its readable rows salvaged into a fresh one, so that the agent always starts.
 */
export function openStoreDatabase(path: string, options: OpenOptions): OpenedDatabase {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
    const now = options.now ?? (() => new Date());
    const damage = inspectDatabaseFiles(path);
    if (damage === undefined) {
      try {
        return { db: openHealthy(path, options.startupCheckMaxBytes) };
      } catch (error) {
        if (error instanceof EchoError && error.code === 'ECHO_ERR_STORE_TOO_NEW') throw error;
        // A folder Echo cannot write, or a full disk, is not damage: quarantining would move a
        // healthy database aside (or fail half way). Said as such, and waited out by the caller.
        const kind = classifyStoreFailure(error, dir);
        if (kind === 'disk_full' || kind === 'unwritable') throw hostFailureError(kind, error, dir, 'opened');
        return recoverDatabase(path, describeError(error), now());
      }
    }
    return recoverDatabase(path, damage, now());
  } catch (error) {
    throw hostFailure(error, dir);
  }
}

/** A failure to open for want of space or permission, as the StoreError that names it. */
function hostFailure(error: unknown, dir: string): unknown {
  if (error instanceof EchoError) return error;
  const kind = classifyStoreFailure(error, dir);
  return kind === 'disk_full' || kind === 'unwritable' ? hostFailureError(kind, error, dir, 'opened') : error;
}

/** Quarantines the files at `path` and salvages them into a fresh database there. */
export function recoverDatabase(path: string, reason: string, at: Date): OpenedDatabase {
  const dir = quarantineFiles(path, at);
  const db = configure(new Database(path));
  applyMigrations(db);
  const { salvagedRows, lostRows } = salvageInto(db, dir, basename(path));
  return {
    db,
    quarantine: { reason, quarantinedTo: dir, salvagedRows, lostRows, at: at.toISOString() },
  };
}

function openHealthy(path: string, startupCheckMaxBytes: number): Database.Database {
  const db = configure(new Database(path));
  try {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      size = 0;
    }
    if (size > 0 && size <= startupCheckMaxBytes) {
      const result = db.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new Error(`quick_check failed: ${String(result)}`);
    }
    applyMigrations(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * WAL with `synchronous = NORMAL` by default: every commit survives a crash of the process, and
 * the sync engine's step updates (created, uploaded, acknowledged) cost no fsync; a step lost to a
 * power cut is simply redone, idempotently. Ingest commits switch to FULL (see StoreHandle.durably)
 * so that a record a collector was told is stored survives power loss too.
 */
function configure(db: Database.Database): Database.Database {
  // Before the first write: the WAL and SHM files SQLite makes take the database file's mode, so
  // the database file alone is set (restrictDataDir did the rest of data_dir at start). A file
  // system without modes was reported then; the store opens all the same.
  restrictToOwner(db.name, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // 4 MB of page cache: the queues are read in index order, so a larger cache buys little and
  // costs resident memory on a workstation that also runs the operator's tools.
  db.pragma('cache_size = -4000');
  db.pragma('temp_store = MEMORY');
  return db;
}
