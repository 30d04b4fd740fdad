import type { CaptureInput, LogInput, MachineStatusInput } from '../store/types.ts';

/** Where collection writes: the agent (store first, then sync). */
export interface CollectionSink {
  ingestCapture(input: CaptureInput): Promise<unknown>;
  ingestLog(entry: LogInput): Promise<void>;
  recordMachineStatus(status: MachineStatusInput): Promise<void>;
  /** False while the cloud's `enabled` switch is off (or the agent stops). */
  collecting(): boolean;
}
