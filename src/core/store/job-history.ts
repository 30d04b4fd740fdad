import type { StoreHandle } from './handle.ts';

/** How a job ended, as far as the machine's states tell. */
export type JobOutcome = 'finished' | 'failed' | 'cancelled' | 'stopped' | 'replaced';

/** A job Echo saw on a machine. */
export interface JobRecord {
  id: number;
  machine: string;
  name: string;
  startedAt: string;
  /** Unset while the job runs. */
  endedAt?: string;
  outcome?: JobOutcome;
  /** The last progress seen, 0–100. */
  progress?: number;
}

interface JobRow {
  id: number;
  machine: string;
  name: string;
  started_at: number;
  ended_at: number | null;
  outcome: string | null;
  progress: number | null;
}

/** Jobs kept per machine: the screen shows recent ones; older rows are pruned as new ones start. */
const KEEP_PER_MACHINE = 500;

/** The jobs table: written when a job starts and when it ends (not on every poll). */
export class JobHistory {
  constructor(private readonly handle: StoreHandle) {}

  start(machine: string, name: string, at: number): number {
    return this.handle.guard(() => {
      const id = Number(
        this.handle
          .stmt('INSERT INTO jobs (machine, name, started_at) VALUES (?, ?, ?)')
          .run(machine, name, at).lastInsertRowid,
      );
      this.handle.stmt('DELETE FROM jobs WHERE machine = ? AND id <= ?').run(machine, id - KEEP_PER_MACHINE);
      return id;
    });
  }

  end(id: number, at: number, outcome: JobOutcome, progress: number | undefined): void {
    this.handle.guard(() =>
      this.handle
        .stmt('UPDATE jobs SET ended_at = ?, outcome = ?, progress = ? WHERE id = ? AND ended_at IS NULL')
        .run(at, outcome, progress ?? null, id),
    );
  }

  /** Jobs still open (after a restart the tracker picks them up again). */
  open(): JobRecord[] {
    return this.handle.guard(() =>
      (this.handle.stmt('SELECT * FROM jobs WHERE ended_at IS NULL ORDER BY id').all() as JobRow[]).map(
        toRecord,
      ),
    );
  }

  /** The newest jobs of a machine first. */
  recent(machine: string, limit: number): JobRecord[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt('SELECT * FROM jobs WHERE machine = ? ORDER BY id DESC LIMIT ?')
          .all(machine, limit) as JobRow[]
      ).map(toRecord),
    );
  }
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    machine: row.machine,
    name: row.name,
    startedAt: new Date(row.started_at).toISOString(),
    ...(row.ended_at !== null ? { endedAt: new Date(row.ended_at).toISOString() } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome as JobOutcome } : {}),
    ...(row.progress !== null ? { progress: row.progress } : {}),
  };
}
