import type { Database } from 'better-sqlite3';

/**
 * The jobs Echo saw on each machine (the machine screen's job history): opened when a job shows
 * up in a poll, closed with how it ended. A local view only; what the cloud gets are the captures.
 */
export function migrate(db: Database): void {
  db.exec(`
    CREATE TABLE jobs (
      id INTEGER PRIMARY KEY,
      machine TEXT NOT NULL,
      name TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      outcome TEXT,
      progress REAL
    ) STRICT;
    CREATE INDEX jobs_machine ON jobs (machine, id);
  `);
}
