import type { MachineSnapshot } from '../../collectors/sdk/machine-snapshot.ts';
import type { JobHistory, JobOutcome } from '../store/job-history.ts';

interface OpenJob {
  id: number;
  name: string;
  /** The machine's own job id, where it has one (tells two runs of one file apart). */
  jobId?: string | undefined;
  progress: number | undefined;
  /** The machine's own estimate at the last poll that saw the job, and when that was. */
  remainingSeconds?: number | undefined;
  seenAt?: number;
}

type SnapshotJob = NonNullable<MachineSnapshot['job']>;

/** A drop from here to under RESTART_BELOW is a new run of a job with the same name. */
const NEARLY_DONE = 90;
const RESTART_BELOW = 10;

const REPORTED: Record<NonNullable<SnapshotJob['result']>, JobOutcome> = {
  finished: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * Turns the polls' snapshots into a job history per machine, whatever the vendor: a job opens
 * when one is running (or paused) and closes with how it ended. Where the machine says so (an
 * ended job it still shows, with its result) that is the outcome. Otherwise it is inferred:
 * `finished` (it reached 99 % or more, or the time it had left ran out before the poll that
 * found it gone: most printers drop a finished job between two polls), `failed` (the machine
 * went to error), `stopped` (idle before the end) or `replaced` (another job appeared without a
 * pause between). Offline or unknown close nothing: the machine is not known to have stopped.
 * Written on start and end only.
 */
export class SnapshotJobTracker {
  private readonly open = new Map<string, OpenJob>();

  constructor(private readonly jobs: JobHistory) {
    // After a restart, jobs left open are followed on (they may still be running).
    for (const job of jobs.open())
      this.open.set(job.machine, { id: job.id, name: job.name, jobId: job.jobId, progress: job.progress });
  }

  observe(machine: string, snapshot: MachineSnapshot, at: number): void {
    const current = this.open.get(machine);
    const job = snapshot.job;
    if (job?.result) {
      // An ended job the machine still shows (until its plate is cleared): only the job we saw
      // running is closed; one that ended before Echo looked is not invented.
      if (current && this.same(current, job)) {
        this.close(
          machine,
          { ...current, progress: job.progress ?? current.progress },
          at,
          REPORTED[job.result],
        );
      } else if (current) this.close(machine, current, at, 'replaced');
      return;
    }
    const running = job !== undefined && (snapshot.state === 'printing' || snapshot.state === 'paused');
    if (running) {
      const rerun =
        current !== undefined &&
        (job.id === undefined || current.jobId === undefined) &&
        current.name === job.name &&
        (current.progress ?? 0) >= NEARLY_DONE &&
        job.progress !== undefined &&
        job.progress < RESTART_BELOW;
      if (current && this.same(current, job) && !rerun) {
        current.progress = job.progress ?? current.progress;
        current.remainingSeconds = job.remainingSeconds;
        current.jobId ??= job.id;
        current.seenAt = at;
        return;
      }
      if (current) this.close(machine, current, at, rerun ? 'finished' : 'replaced');
      this.open.set(machine, {
        id: this.jobs.start(machine, job.name, at, job.id),
        name: job.name,
        jobId: job.id,
        progress: job.progress,
        remainingSeconds: job.remainingSeconds,
        seenAt: at,
      });
      return;
    }
    if (!current || snapshot.state === 'offline' || snapshot.state === 'unknown') return;
    const progress = job && this.same(current, job) ? (job.progress ?? current.progress) : current.progress;
    // Polls are not exact: half a gap more, and a second, for the machine's own rounding.
    const ranOut =
      current.remainingSeconds !== undefined &&
      current.seenAt !== undefined &&
      current.remainingSeconds * 1000 <= (at - current.seenAt) * 1.5 + 1000;
    const outcome: JobOutcome =
      snapshot.state === 'error' ? 'failed' : (progress ?? 0) >= 99 || ranOut ? 'finished' : 'stopped';
    this.close(machine, { ...current, progress }, at, outcome);
  }

  /** The machine's job id decides where both have one; the name otherwise. */
  private same(current: OpenJob, job: SnapshotJob): boolean {
    return current.jobId !== undefined && job.id !== undefined
      ? current.jobId === job.id
      : current.name === job.name;
  }

  /** The running job's progress as last seen (kept in memory; written when the job ends). */
  progress(machine: string): number | undefined {
    return this.open.get(machine)?.progress;
  }

  /** The machine is gone from the installation: its open job ends here. */
  forget(machine: string, at: number): void {
    const current = this.open.get(machine);
    if (current) this.close(machine, current, at, 'stopped');
  }

  private close(machine: string, job: OpenJob, at: number, outcome: JobOutcome): void {
    this.jobs.end(job.id, at, outcome, job.progress);
    this.open.delete(machine);
  }
}
