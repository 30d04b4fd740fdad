import type { Logger } from 'pino';
import type { MachineSnapshot } from '../../collectors/sdk/machine-snapshot.ts';
import type { PastJob } from '../../collectors/sdk/past-job.ts';
import type { JobHistory, JobRecord } from '../store/job-history.ts';
import { SnapshotJobTracker } from './snapshot-job-tracker.ts';

/**
 * The machine screen's job history as the agent feeds and reads it: polls' snapshots go to the
 * tracker, machine-reported jobs to the table, and reading merges the running job's live
 * progress (kept in memory, written when the job ends). A local view, never sent: a store problem
 * here must not fail a poll (the store's own alerts report it), so it is logged and passed over.
 */
export class JobHistoryFeed {
  private readonly tracker: SnapshotJobTracker;

  constructor(
    private readonly jobs: JobHistory,
    private readonly logger: Logger,
  ) {
    this.tracker = new SnapshotJobTracker(jobs);
  }

  observe(machine: string, snapshot: MachineSnapshot, at: number): void {
    this.contained(machine, () => this.tracker.observe(machine, snapshot, at));
  }

  recordPast(machine: string, jobs: readonly PastJob[]): void {
    this.contained(machine, () => this.jobs.recordPast(machine, jobs));
  }

  /** The machine left the installation: its open job ends. */
  forget(machine: string, at: number): void {
    this.contained(machine, () => this.tracker.forget(machine, at));
  }

  /** Newest first, the running job with its live progress. */
  recent(machine: string, limit: number): JobRecord[] {
    const running = this.tracker.progress(machine);
    return this.jobs
      .recent(machine, limit)
      .map((job) =>
        job.endedAt === undefined && job.progress === undefined && running !== undefined
          ? { ...job, progress: running }
          : job,
      );
  }

  private contained(machine: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      this.logger.warn({ err: error, machine }, 'job history not updated');
    }
  }
}
