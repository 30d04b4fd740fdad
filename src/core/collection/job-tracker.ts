import type { MachineSnapshot } from '../../collectors/sdk/machine-snapshot.ts';
import type { JobHistory, JobOutcome } from '../store/job-history.ts';

interface OpenJob {
  id: number;
  name: string;
  progress: number | undefined;
  /** The machine's own estimate at the last poll that saw the job, and when that was. */
  remainingSeconds?: number | undefined;
  seenAt?: number;
}

/** A drop from here to under RESTART_BELOW is a new run of a job with the same name. */
const NEARLY_DONE = 90;
const RESTART_BELOW = 10;

/**
 * Turns the polls' snapshots into a job history per machine, whatever the vendor: a job opens
 * when one is running (or paused) and closes when the machine shows it ended: `finished` (it
 * reached 99 % or more, or the time it had left ran out before the poll that found it gone:
 * most printers drop a finished job between two polls), `failed` (the machine went to error), `stopped` (idle before the end)
 * or `replaced` (another job appeared without a pause between). Offline or unknown close
 * nothing: the machine is not known to have stopped. Written on start and end only.
 */
export class JobTracker {
  private readonly open = new Map<string, OpenJob>();

  constructor(private readonly jobs: JobHistory) {
    // After a restart, jobs left open are followed on (they may still be running).
    for (const job of jobs.open())
      this.open.set(job.machine, { id: job.id, name: job.name, progress: job.progress });
  }

  observe(machine: string, snapshot: MachineSnapshot, at: number): void {
    const current = this.open.get(machine);
    const job = snapshot.job;
    const running = job !== undefined && (snapshot.state === 'printing' || snapshot.state === 'paused');
    if (running) {
      const rerun =
        current?.name === job.name &&
        (current.progress ?? 0) >= NEARLY_DONE &&
        job.progress !== undefined &&
        job.progress < RESTART_BELOW;
      if (current && current.name === job.name && !rerun) {
        current.progress = job.progress ?? current.progress;
        current.remainingSeconds = job.remainingSeconds;
        current.seenAt = at;
        return;
      }
      if (current) this.close(machine, current, at, rerun ? 'finished' : 'replaced');
      this.open.set(machine, {
        id: this.jobs.start(machine, job.name, at),
        name: job.name,
        progress: job.progress,
        remainingSeconds: job.remainingSeconds,
        seenAt: at,
      });
      return;
    }
    if (!current || snapshot.state === 'offline' || snapshot.state === 'unknown') return;
    const progress = job?.name === current.name ? (job.progress ?? current.progress) : current.progress;
    // Polls are not exact: half a gap more, and a second, for the machine's own rounding.
    const ranOut =
      current.remainingSeconds !== undefined &&
      current.seenAt !== undefined &&
      current.remainingSeconds * 1000 <= (at - current.seenAt) * 1.5 + 1000;
    const outcome: JobOutcome =
      snapshot.state === 'error' ? 'failed' : (progress ?? 0) >= 99 || ranOut ? 'finished' : 'stopped';
    this.close(machine, { ...current, progress }, at, outcome);
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
