import type { ConnectionTest, DiscoveredMachine } from '../../collectors/sdk/collector.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import type { HistoryProgress } from '../collection/history-runner.ts';
import type { LoopHealth } from '../collection/loop-watchdog.ts';
import type { MachineLiveStatus } from '../collection/machine-runner.ts';
import type { PollLagSummary } from '../collection/poll-lag.ts';
import type { LocalSettingsPatch } from '../config/local-settings.ts';
import type { SleepGapView } from '../host/sleep-gaps.ts';
import type { JobRecord } from '../store/job-history.ts';
import type { StoreConditionReport } from '../store/store-condition.ts';
import type { StoreAlert } from '../store/store-stats.ts';
import type { BacklogCounts, StoredCapture, StoredLog, StoredMachineStatus } from '../store/types.ts';
import type { SyncStatus } from '../sync/sync-engine.ts';

/** Everything `status` shows; also the body of `GET /api/v1/status`. */
export interface AgentStatus {
  version: string;
  workstationName: string;
  startedAt: string;
  dataDir: string;
  collection: 'running' | 'paused_by_cloud' | 'paused_by_operator' | 'paused_store_full';
  cloud: SyncStatus & { url: string };
  backlog: BacklogCounts;
  counters: Record<string, number>;
  store: {
    usedBytes: number;
    maxBytes: number;
    path: string;
    secretStore: string;
    /** Ok, disk full or unwritable, with the free space and what Echo does meanwhile. */
    condition: StoreConditionReport;
    /** Records refused during the current condition (counted in `counters` once it ends). */
    refusedWhileFull: { captures: number; logs: number; statuses: number };
  };
  alerts: StoreAlert[];
  machines: MachineSummary[];
  /** How late machine polls start against their schedule, over every machine. */
  pollLag: PollLagSummary | undefined;
  /** Stalls of the event loop, and the machine that caused the last one when it is known. */
  eventLoop: LoopHealth | undefined;
  /**
   * When Echo was asleep (process paused, PC suspended), newest first, the last 20: a gap in every
   * machine's history that is not its downtime (polls failed across it were not counted). Once
   * here, not in each machine: a new gap is one change, not one per machine in the status deltas.
   * Absent while the core waits for its store.
   */
  asleep?: SleepGapView[];
}

export interface MachineSummary {
  name: string;
  collector: string;
  /** Where the machine is defined: the config file, the UI (`machines.local.json`) or the cloud. */
  origin: 'config' | 'ui' | 'cloud';
  modeler: string | undefined;
  status: StoredMachineStatus | undefined;
  /** The live snapshot from the collector (state, job, gauges), when it is collected here. */
  live: MachineLiveStatus | undefined;
  /** Historic-job collection, for collectors that read past jobs. */
  history: HistoryProgress | undefined;
  backlog: number;
}

export type DeadLetter = Omit<StoredCapture, 'content'>;

/** What the local API needs from the agent: a narrow port, so the API holds no agent logic. */
export interface AgentPort {
  status(): AgentStatus;
  machines(): MachineSummary[];
  logs(filter: { limit: number; level?: string; machine?: string; search?: string }): StoredLog[];
  deadLetters(limit: number): DeadLetter[];
  retryDeadLetters(kind: 'captures' | 'logs', ids?: number[]): number;
  discardDeadLetters(ids: number[]): number;
  signIn(request: { username: string; password: string; ldap: boolean }): Promise<void>;
  useApiToken(token: { uuid: string; secret: string }): Promise<void>;
  signOut(): void;
  ready(): boolean;
  testMachine(machine: MachineConfig, password?: string): Promise<ConnectionTest>;
  collectorList(): Array<{
    id: string;
    vendor: string;
    models: string;
    protocol: string;
    captureTypes: readonly string[];
    capabilities: readonly string[];
    connectionSchema: Record<string, unknown>;
  }>;
  discover(seconds: number): Promise<{ machines: DiscoveredMachine[]; problems: string[] }>;
  setCollectionPaused(paused: boolean): void;
  settings(): Record<string, unknown>;
  machineDefinition(name: string): { origin: MachineSummary['origin']; machine?: MachineConfig } | undefined;
  updateMachine(input: { machine: MachineConfig; password?: string }): Promise<MachineConfig>;
  /** Dismisses an alert (it stays in the store, cleared); false when none such is active. */
  clearAlert(id: number): boolean;
  /** The jobs Echo saw on a machine, newest first. */
  machineJobs(name: string, limit: number): JobRecord[];
  /** Settings changed in the app (`null` resets one); the core restarts to apply them. */
  updateSettings(patch: LocalSettingsPatch): { saved: true; restarting: boolean };
  machineCaptures(machine: string, limit: number): DeadLetter[];
  addMachine(input: { machine: MachineConfig; password?: string }): Promise<MachineConfig>;
  removeMachine(name: string): Promise<boolean>;
  diagnostics(): Buffer;
  serialPorts(): Promise<{ ports: Array<{ path: string; manufacturer?: string }>; problem?: string }>;
}
