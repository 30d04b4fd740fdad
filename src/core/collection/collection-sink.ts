import type { MachineSnapshot } from '../../collectors/sdk/machine-snapshot.ts';
import type { PastJob } from '../../collectors/sdk/past-job.ts';
import type { CaptureInput, LogInput, MachineStatusInput, PollRecords } from '../store/types.ts';

/** Where collection writes: the agent (store first, then sync). */
export interface CollectionSink {
  ingestCapture(input: CaptureInput): Promise<unknown>;
  ingestLog(entry: LogInput): Promise<void>;
  /** A poll's captures, log lines and collector position, durable together (one transaction). */
  ingestPoll(poll: PollRecords): Promise<void>;
  recordMachineStatus(status: MachineStatusInput): Promise<void>;
  /** False while the cloud's `enabled` switch is off (or the agent stops). */
  collecting(): boolean;
  /** The cloud modeler's `watermark`, where a first backfill starts (undefined: unknown, from the oldest). */
  cloudWatermark?(machine: string): Promise<string | undefined>;
  /** A history run stored jobs: the sync engine may tell the cloud the new watermark. */
  historyAdvanced?(): void;
  /** Every successful poll's snapshot (the job history follows jobs from it). */
  observeSnapshot?(machine: string, snapshot: MachineSnapshot, at: number): void;
  /** Finished jobs a machine reported (from its history or log), after their capture is stored. */
  recordPastJobs?(machine: string, jobs: readonly PastJob[]): void;
}
