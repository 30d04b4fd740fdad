import type { PastJob } from '../../collectors/sdk/past-job.ts';
import type { JobOutcome, JobRecord } from '../../shared/api/index.ts';
import type { StoreHandle } from './handle.ts';

// The job types are the local API's (`GET /api/v1/machines/<name>/jobs` returns these rows as they
// are); re-exported here for the core's existing imports. `source`: `seen` when Echo watched the
// job run, `machine` when read from the machine's own history or log; `endedAt` is unset while
// the job runs; `progress` is the last one seen, 0–100.
export type { JobOutcome, JobRecord } from '../../shared/api/index.ts';

interface JobRow {
  id: number;
  machine: string;
  job_id: string | null;
  name: string;
  source: 'seen' | 'machine';
  started_at: number | null;
  ended_at: number | null;
  outcome: string | null;
  progress: number | null;
}

/** Jobs kept per machine (the newest): the screen shows recent ones; a backfill can bring 10,000. */
const KEEP_PER_MACHINE = 500;

/** The jobs table: written when a job starts and when it ends (never on every poll). */
export class JobHistory {
  constructor(private readonly handle: StoreHandle) {}

  start(machine: string, name: string, at: number, jobId?: string): number {
    return this.handle.guard(() => {
      const row = this.handle
        .stmt(
          `INSERT INTO jobs (machine, job_id, name, source, started_at, sort_at) VALUES (?, ?, ?, 'seen', ?, ?)
           ON CONFLICT (machine, job_id) WHERE job_id IS NOT NULL DO UPDATE SET name = excluded.name
           RETURNING id`,
        )
        .get(machine, jobId ?? null, name, at, at) as { id: number };
      this.prune(machine);
      return row.id;
    });
  }

  end(id: number, at: number, outcome: JobOutcome, progress: number | undefined): void {
    this.handle.guard(() =>
      this.handle
        .stmt('UPDATE jobs SET ended_at = ?, outcome = ?, progress = ? WHERE id = ? AND ended_at IS NULL')
        .run(at, outcome, progress ?? null, id),
    );
  }

  /**
   * Jobs the machine reports as done. One already known by its id (seen running, or read before)
   * takes the machine's end and result, which beat Echo's inference; the others are added.
   */
  recordPast(machine: string, jobs: readonly PastJob[]): void {
    if (jobs.length === 0) return;
    this.handle.guard(() =>
      this.handle.db.transaction(() => {
        const upsert = this.handle.stmt(
          `INSERT INTO jobs (machine, job_id, name, source, started_at, ended_at, outcome, sort_at)
           VALUES (?, ?, ?, 'machine', ?, ?, ?, ?)
           ON CONFLICT (machine, job_id) WHERE job_id IS NOT NULL DO UPDATE SET
             ended_at = excluded.ended_at,
             outcome = coalesce(excluded.outcome, jobs.outcome),
             started_at = coalesce(jobs.started_at, excluded.started_at)`,
        );
        for (const job of jobs) {
          const started = job.startedAt ? Date.parse(job.startedAt) : null;
          const ended = Date.parse(job.endedAt);
          // Without the machine's id, its name and times identify the job (read again: the same row).
          const key = job.id ?? `${job.name}@${job.startedAt ?? ''}@${job.endedAt}`;
          upsert.run(machine, key, job.name, started, ended, job.result ?? null, started ?? ended);
        }
        this.prune(machine);
      })(),
    );
  }

  /** Jobs still open (after a restart the tracker picks them up again). */
  open(): Array<JobRecord & { jobId?: string }> {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt(`SELECT * FROM jobs WHERE ended_at IS NULL AND source = 'seen' ORDER BY id`)
          .all() as JobRow[]
      ).map((row) => ({ ...toRecord(row), ...(row.job_id !== null ? { jobId: row.job_id } : {}) })),
    );
  }

  /** The newest jobs of a machine first. */
  recent(machine: string, limit: number): JobRecord[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt('SELECT * FROM jobs WHERE machine = ? ORDER BY sort_at DESC, id DESC LIMIT ?')
          .all(machine, limit) as JobRow[]
      ).map(toRecord),
    );
  }

  private prune(machine: string): void {
    this.handle
      .stmt(
        `DELETE FROM jobs WHERE machine = ? AND id NOT IN
         (SELECT id FROM jobs WHERE machine = ? ORDER BY sort_at DESC, id DESC LIMIT ${KEEP_PER_MACHINE})`,
      )
      .run(machine, machine);
  }
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    machine: row.machine,
    name: row.name,
    source: row.source,
    ...(row.started_at !== null ? { startedAt: new Date(row.started_at).toISOString() } : {}),
    ...(row.ended_at !== null ? { endedAt: new Date(row.ended_at).toISOString() } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome as JobOutcome } : {}),
    ...(row.progress !== null ? { progress: row.progress } : {}),
  };
}
