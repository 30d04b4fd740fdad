import type { Logger } from 'pino';
import type { MachineSnapshot } from '../collectors/sdk/machine-snapshot.ts';
import type { PastJob } from '../collectors/sdk/past-job.ts';
import type { CollectionSink } from './collection/collection-sink.ts';
import type { JobHistoryFeed } from './collection/job-history-feed.ts';
import type { MachineSet } from './collection/machine-set.ts';
import type { Store } from './store/store.ts';
import type { CaptureInput, LogInput, MachineStatusInput, PollRecords } from './store/types.ts';
import type { SyncEngine } from './sync/sync-engine.ts';

const PAUSED_KEY = 'collection_paused_by_operator';

/**
 * Where collection writes: the store first, then a nudge to the sync engine; and the switch that
 * says whether machines are polled at all (the cloud's `enabled`, the operator's pause, a store
 * that cannot take records, a stopping agent).
 */
export class AgentSink implements CollectionSink {
  /** The cloud's remote switch (`/ecco/` `enabled`). */
  enabledByCloud = true;
  /** The operator paused collection (tray or UI); kept in the store across restarts. */
  pausedByOperator: boolean;

  constructor(
    private readonly deps: {
      store: Store;
      sync: SyncEngine;
      jobHistory: JobHistoryFeed;
      machineSet: MachineSet;
      logger: Logger;
      stopping: () => boolean;
    },
  ) {
    this.pausedByOperator = deps.store.stats.getValue(PAUSED_KEY) === '1';
  }

  async ingestCapture(input: CaptureInput): Promise<{ echoCaptureId: string }> {
    const result = await this.deps.store.ingestCapture(input);
    this.deps.sync.wake();
    return result;
  }

  async ingestLog(entry: LogInput): Promise<void> {
    await this.deps.store.ingestLog(entry);
  }

  async ingestPoll(poll: PollRecords): Promise<void> {
    await this.deps.store.ingestPoll(poll);
    if (poll.captures.length > 0) this.deps.sync.wake();
  }

  async recordMachineStatus(status: MachineStatusInput): Promise<void> {
    await this.deps.store.recordMachineStatus(status);
    this.deps.sync.statusChanged();
  }

  /** A poll's snapshot and machine-reported jobs: the job history (see JobHistoryFeed). */
  observeSnapshot(machine: string, snapshot: MachineSnapshot, at: number): void {
    this.deps.jobHistory.observe(machine, snapshot, at);
  }

  recordPastJobs(machine: string, jobs: readonly PastJob[]): void {
    this.deps.jobHistory.recordPast(machine, jobs);
  }

  collecting(): boolean {
    return (
      this.enabledByCloud &&
      !this.pausedByOperator &&
      !this.deps.stopping() &&
      !this.deps.store.condition.collectionPaused
    );
  }

  /**
   * Pauses or resumes collection for every machine (the tray's "Pause collection"): machines are
   * not polled while paused; what is stored is still sent.
   */
  setPaused(paused: boolean): void {
    this.pausedByOperator = paused;
    this.deps.store.stats.setValue(PAUSED_KEY, paused ? '1' : undefined);
    this.deps.logger.info({ paused }, paused ? 'collection paused by the operator' : 'collection resumed');
  }

  /** Where a machine's first history backfill starts: the cloud modeler's watermark, if reachable. */
  async cloudWatermark(machine: string): Promise<string | undefined> {
    const modeler = this.deps.machineSet.get(machine)?.modeler;
    if (!modeler) return undefined;
    try {
      return await this.deps.sync.modelerWatermark(modeler);
    } catch (error) {
      this.deps.logger.info(
        { machine, err: error },
        'cloud watermark unknown; collecting history from the oldest job',
      );
      return undefined;
    }
  }

  historyAdvanced(): void {
    this.deps.sync.statusChanged();
  }
}
