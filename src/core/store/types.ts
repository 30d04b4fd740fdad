import type { CloudLogLevel } from '../../shared/model/capture-types.ts';

/** What a collector hands to the store. */
export interface CaptureInput {
  machine: string;
  captureTypeName: string;
  content: Buffer | string;
  contentType: string;
  meta?: Record<string, unknown>;
  printerNames?: readonly string[];
  /** Epoch milliseconds; defaults to now. */
  capturedAt?: number;
  /** The same key (per machine) is the same capture: stored once, whatever the retries. */
  idempotencyKey?: string;
}

/** What one poll of a machine read, stored in one transaction (Store.ingestPoll). */
export interface PollRecords {
  captures: readonly CaptureInput[];
  logs: readonly LogInput[];
  /** Keys of the store's kv table to set (or delete: `undefined`) with these records. */
  state: ReadonlyArray<readonly [string, string | undefined]>;
}

export type CaptureState = 'pending' | 'created' | 'uploaded' | 'acknowledged' | 'dead';

/** A capture row as the sync engine sees it. */
export interface StoredCapture {
  id: number;
  echoCaptureId: string;
  machine: string;
  captureTypeName: string;
  contentType: string;
  contentSize: number;
  /** Inline content, or undefined when the content lives in the blob file `contentPath`. */
  content: Buffer | undefined;
  contentPath: string | undefined;
  meta: Record<string, unknown>;
  printerNames: string[];
  state: CaptureState;
  captureUri: string | undefined;
  uploadUrl: string | undefined;
  attempts: number;
  lastError: string | undefined;
  nextAttemptAt: number;
  capturedAt: number;
}

/** A log entry from the agent itself or from a machine. */
export interface LogInput {
  source: 'agent' | 'machine';
  machine?: string;
  level: CloudLogLevel;
  /** ISO-8601 UTC. */
  timestamp: string;
  message: string;
  context?: Record<string, unknown>;
}

export interface StoredLog extends LogInput {
  id: number;
}

/** A pending log entry serialized as one element of `/logs/`'s `logs` array. */
export interface WireLog {
  id: number;
  wire: string;
}

/** A machine's reachability as reported to `/modeler/`. */
export interface MachineStatusInput {
  machine: string;
  state: string;
  connected: boolean;
  error: string | null;
  /** Why the machine failed, when it did (a collector's failure kind). */
  failure?: string | null;
  observedAt?: number;
}

export interface StoredMachineStatus {
  id: number;
  machine: string;
  state: string;
  connected: boolean;
  error: string | null;
  failure: string | null;
  observedAt: number;
}

/**
 * Counts per state, for status and health: the local API's type (`status` sends it as it is);
 * re-exported for the core's existing imports. Its capture states must stay `CaptureState`'s:
 * `StoreStats.counts` fills it from a `Record<CaptureState, number>`.
 */
export type { BacklogCounts } from '../../shared/api/index.ts';
