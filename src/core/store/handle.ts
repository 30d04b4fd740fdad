import type Database from 'better-sqlite3';
import { describeError, StoreError } from '../../shared/errors.ts';
import { classifyStoreFailure, hostFailureError } from './store-failure.ts';

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
  /** Told when a write meets a full disk or a folder it cannot write; set by the Store. */
  onHostFailure: ((kind: 'disk_full' | 'unwritable', error: unknown) => void) | undefined;

  /** `dataDir` is where the store lives: looked at to tell a full disk from damage. */
  constructor(
    db: Database.Database,
    private readonly dataDir: string,
  ) {
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
   * Runs `fn`. A failure is sorted (store-failure.ts): damage triggers recovery (quarantine and
   * salvage) and is rethrown as a retryable StoreError, so callers retry against the salvaged file;
   * a full disk or an unwritable folder is reported to the Store (its condition) and rethrown as a
   * retryable StoreError naming it; anything else is thrown as it is (a bug).
   */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** The StoreError a failure stands for (see `guard`), or the failure itself. */
  translate(error: unknown): unknown {
    if (error instanceof StoreError) return error;
    const kind = classifyStoreFailure(error, this.dataDir);
    const reason = describeError(error);
    if (kind === 'corrupt' && this.onCorruption) {
      this.onCorruption(reason);
      return new StoreError('ECHO_ERR_STORE_CORRUPT', 'the store was damaged and has been recovered; retry', {
        cause: error,
        retryable: true,
      });
    }
    if (kind === 'disk_full' || kind === 'unwritable') {
      this.onHostFailure?.(kind, error);
      return hostFailureError(kind, error, this.dataDir);
    }
    return error;
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
