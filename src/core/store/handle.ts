import type Database from 'better-sqlite3';
import { StoreError } from '../../shared/errors.ts';
import { isCorruptionError } from './inspect-files.ts';

/**
 * The one connection of the store and its prepared statements. The repositories (captures, logs,
 * status, stats) share it, so that when a damaged database is swapped for a salvaged one every
 * repository uses the new file at once.
 */
export class StoreHandle {
  private database: Database.Database;
  private statements = new Map<string, Database.Statement>();
  private closed = false;
  /** Called with the reason when an operation hits a damaged file; set by the Store. */
  onCorruption: ((reason: string) => void) | undefined;

  constructor(db: Database.Database) {
    this.database = db;
  }

  get db(): Database.Database {
    if (this.closed) throw new StoreError('ECHO_ERR_STORE_CLOSED', 'the store is closed');
    return this.database;
  }

  /** A cached prepared statement. */
  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn`; a corruption or I/O error triggers recovery (quarantine and salvage) and is rethrown
   * as a retryable StoreError, so callers retry against the salvaged file.
   */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (isCorruptionError(error) && this.onCorruption) {
        this.onCorruption(error instanceof Error ? error.message : String(error));
        throw new StoreError(
          'ECHO_ERR_STORE_CORRUPT',
          'the store was damaged and has been recovered; retry',
          {
            cause: error,
            retryable: true,
          },
        );
      }
      throw error;
    }
  }

  /**
   * Runs a transaction with `synchronous = FULL`: its commit fsyncs the WAL (and with it every
   * earlier commit), so it survives power loss. Used for ingest, where a caller is told "stored".
   */
  durably(fn: () => void): void {
    const db = this.db;
    db.pragma('synchronous = FULL');
    try {
      db.transaction(fn)();
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  }

  /** Replaces the connection (after recovery). */
  replace(db: Database.Database): void {
    this.statements.clear();
    try {
      this.database.close();
    } catch {
      // The old connection is on a damaged file that has been moved away; closing may fail.
    }
    this.database = db;
  }

  close(): void {
    if (this.closed) return;
    this.statements.clear();
    this.database.close();
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
