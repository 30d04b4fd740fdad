import type { Database } from 'better-sqlite3';

/**
 * The name of a start_job's file, kept once it is downloaded: after a crash, the machine's state
 * can prove the job started (a job of that name is printing) without running the command again.
 */
export function migrate(db: Database): void {
  db.exec('ALTER TABLE commands ADD COLUMN job_file_name TEXT');
}
