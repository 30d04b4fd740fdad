import type { Database } from 'better-sqlite3';

/**
 * The jobs of each machine for the machine screen's job history: those Echo saw running (opened
 * when a job shows up in a poll, closed with how it ended) and those the machine reports from its
 * own history or log (`source = 'machine'`). The machine's job id, where known, makes one job one
 * row whichever way it came. A local view only; what the cloud gets are the captures.
 */
export function migrate(db: Database): void {
  db.exec(`
    CREATE TABLE jobs (
      id INTEGER PRIMARY KEY,
      machine TEXT NOT NULL,
      job_id TEXT,
      name TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('seen', 'machine')),
      started_at INTEGER,
      ended_at INTEGER,
      outcome TEXT,
      progress REAL,
      sort_at INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX jobs_machine_job ON jobs (machine, job_id) WHERE job_id IS NOT NULL;
    CREATE INDEX jobs_machine_time ON jobs (machine, sort_at);
  `);
}
