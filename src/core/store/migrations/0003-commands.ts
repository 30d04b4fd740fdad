import type { Database } from 'better-sqlite3';

/**
 * Remote commands, each one row from the moment it is received (docs/commands.md). The table of
 * 0001 was never written by any release, so it is replaced rather than altered (SQLite cannot
 * change a CHECK constraint in place).
 *
 * `state` is Echo's own lifecycle: `received` → (`awaiting_confirmation` →) `processing` →
 * `complete` | `error`, or `rejected` before anything reached the machine. `processing` is written
 * (fsynced) before the machine is touched, so a command found in it at start was interrupted and
 * is never executed again. `reported` is the last status the cloud acknowledged.
 */
export function migrate(db: Database): void {
  db.exec(`
    DROP TABLE commands;
    CREATE TABLE commands (
      id INTEGER PRIMARY KEY,
      command_uri TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      machine TEXT NOT NULL,
      modeler TEXT NOT NULL,
      payload TEXT NOT NULL,
      via TEXT NOT NULL CHECK (via IN ('stream', 'poll')),
      state TEXT NOT NULL CHECK (state IN ('received', 'awaiting_confirmation', 'processing', 'complete', 'error', 'rejected')),
      response TEXT,
      reason TEXT,
      reported TEXT CHECK (reported IS NULL OR reported IN ('processing', 'complete', 'error')),
      report_attempts INTEGER NOT NULL DEFAULT 0,
      received_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      confirm_by INTEGER,
      confirmed_at INTEGER
    ) STRICT;
    CREATE INDEX commands_open ON commands (state) WHERE state IN ('received', 'awaiting_confirmation', 'processing');
    CREATE INDEX commands_machine ON commands (machine, id);
  `);
}
