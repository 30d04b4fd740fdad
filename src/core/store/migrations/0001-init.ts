import type { Database } from 'better-sqlite3';

/**
 * The first schema. Each queue keeps its rows after sending (state `acknowledged`/`sent`) until the
 * retention pass deletes them, so that `status` can say what was sent and a crash never loses a row
 * between "sent" and "deleted". Partial indexes cover only unsent rows, so that a large sent history
 * does not slow the queue.
 */
export function migrate(db: Database): void {
  db.exec(`
    CREATE TABLE kv (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE counters (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE captures (
      id INTEGER PRIMARY KEY,
      echo_capture_id TEXT NOT NULL UNIQUE,
      machine TEXT NOT NULL,
      capture_type_name TEXT NOT NULL,
      content BLOB,
      content_path TEXT,
      content_type TEXT NOT NULL,
      content_size INTEGER NOT NULL,
      meta TEXT NOT NULL,
      printer_names TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','created','uploaded','acknowledged','dead')),
      capture_uri TEXT,
      upload_url TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      captured_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX captures_active ON captures (machine, id) WHERE state IN ('pending','created','uploaded');
    CREATE INDEX captures_state ON captures (state, id);

    CREATE TABLE log_entries (
      id INTEGER PRIMARY KEY,
      source TEXT NOT NULL CHECK (source IN ('agent','machine')),
      machine TEXT,
      level TEXT NOT NULL,
      timestamp TEXT NOT NULL,
      message TEXT NOT NULL,
      context TEXT,
      state TEXT NOT NULL CHECK (state IN ('pending','sent','dead')),
      last_error TEXT,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX log_entries_pending ON log_entries (id) WHERE state = 'pending';
    CREATE INDEX log_entries_state ON log_entries (state, id);

    CREATE TABLE machine_status (
      id INTEGER PRIMARY KEY,
      machine TEXT NOT NULL,
      state TEXT NOT NULL,
      connected INTEGER NOT NULL,
      error TEXT,
      observed_at INTEGER NOT NULL,
      reported INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX machine_status_machine ON machine_status (machine, id);

    CREATE TABLE health_reports (
      id INTEGER PRIMARY KEY,
      health TEXT NOT NULL,
      reasons TEXT NOT NULL,
      checked_at TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','sent','superseded'))
    ) STRICT;

    CREATE TABLE commands (
      id INTEGER PRIMARY KEY,
      command_uri TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      modeler TEXT,
      payload TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('received','processing','complete','error')),
      response TEXT,
      reported_state TEXT,
      received_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE alerts (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      message TEXT NOT NULL,
      detail TEXT,
      created_at INTEGER NOT NULL,
      cleared_at INTEGER
    ) STRICT;
  `);
}
