import type { ConnectionTest, DiscoveredMachine } from '../collectors/sdk/collector.ts';
import type { MachineConfig } from '../shared/config/schema.ts';
import { describeError, StoreError } from '../shared/errors.ts';
import type { AgentPort, AgentStatus, CommandRecord, DeadLetter, MachineSummary } from './api/agent-port.ts';
import type { ResolvedConfig } from './config/load.ts';
import { conditionAlert } from './store/condition-notices.ts';
import type { JobRecord } from './store/job-history.ts';
import type { StoreConditionReport } from './store/store-condition.ts';
import { explainUnwritable } from './store/store-failure.ts';
import type { StoredLog } from './store/types.ts';
import { ECHO_VERSION } from './version.ts';

/**
 * What the local API answers while the store cannot be opened (a read-only or missing data folder,
 * a full disk, a share that is gone): `status` says so in words and when it is tried again, the
 * machines are listed from the config, and every other request is a 503 with the same words. The
 * shell replaces it with the real core as soon as the store opens (see AgentHost).
 */
export class StoreWaitingCore implements AgentPort {
  private readonly startedAt = new Date().toISOString();
  private condition: StoreConditionReport;

  constructor(
    private readonly config: ResolvedConfig,
    failure: unknown,
  ) {
    this.condition = StoreWaitingCore.describe(config, failure);
  }

  /** The latest failure to open (each retry may fail differently). */
  failedAgain(failure: unknown): void {
    const since = this.condition.since;
    this.condition = { ...StoreWaitingCore.describe(this.config, failure), ...(since ? { since } : {}) };
  }

  get message(): string {
    return this.condition.message ?? 'the store cannot be opened';
  }

  private static describe(config: ResolvedConfig, failure: unknown): StoreConditionReport {
    const diskFull = failure instanceof StoreError && failure.code === 'ECHO_ERR_DISK_FULL';
    const why = diskFull ? undefined : explainUnwritable(config.data_dir);
    const reason = why ? `${why}: ${describeError(failure)}` : describeError(failure);
    const action = `nothing is collected until it opens; Echo tries again every ${config.store.recheck_interval_s} s`;
    return {
      state: diskFull ? 'disk_full' : 'unwritable',
      since: new Date().toISOString(),
      reason,
      action,
      message: `The store in ${config.data_dir} cannot be opened (${reason}). ${action[0]!.toUpperCase()}${action.slice(1)}.`,
    };
  }

  status(): AgentStatus {
    const alert = conditionAlert(this.condition);
    return {
      version: ECHO_VERSION,
      workstationName: this.config.workstation_name,
      startedAt: this.startedAt,
      dataDir: this.config.data_dir,
      collection: 'paused_store_full',
      cloud: {
        url: this.config.cloud.url,
        auth: 'signed_out',
        authError: undefined,
        registered: false,
        eccoUri: undefined,
        enabled: true,
        reachable: false,
        lastSyncAt: undefined,
        lastError: this.message,
        retryingAt: undefined,
        health: { health: 'degraded', reasons: [this.message] },
        lastHealthReportAt: undefined,
        waitingForModeler: [],
      },
      backlog: {
        captures: { pending: 0, created: 0, uploaded: 0, acknowledged: 0, dead: 0 },
        logs: { pending: 0, sent: 0, dead: 0 },
        machineStatus: { pending: 0 },
      },
      counters: {},
      store: {
        usedBytes: 0,
        maxBytes: this.config.store.max_size_mb * 1024 * 1024,
        path: this.config.data_dir,
        secretStore: 'not opened',
        condition: this.condition,
        refusedWhileFull: { captures: 0, logs: 0, statuses: 0 },
      },
      alerts: alert ? [alert] : [],
      machines: this.machines(),
      pollLag: undefined,
      eventLoop: undefined,
    };
  }

  machines(): MachineSummary[] {
    return this.config.machines.map((m) => ({
      name: m.name,
      collector: m.collector,
      origin: 'config',
      modeler: m.modeler,
      status: undefined,
      live: undefined,
      history: undefined,
      backlog: 0,
    }));
  }

  ready(): boolean {
    return false;
  }

  /** What needs the store: 507 on a full disk, 503 otherwise (see local-api.ts storeProblem). */
  private refuse(): never {
    const code = this.condition.state === 'disk_full' ? 'ECHO_ERR_DISK_FULL' : 'ECHO_ERR_STORE_UNWRITABLE';
    throw new StoreError(code, this.message, { retryable: true });
  }

  logs(_filter: { limit: number }): StoredLog[] {
    return this.refuse();
  }
  deadLetters(_limit: number): DeadLetter[] {
    return this.refuse();
  }
  /** No update check while the core waits for its store (the checker is part of the core). */
  updateStatus() {
    return { current: ECHO_VERSION, state: 'idle' as const, off: 'the agent is waiting for its store' };
  }
  async checkUpdate(): Promise<'updates_off'> {
    return 'updates_off';
  }
  async downloadUpdate() {
    return {
      ok: false as const,
      code: 'updates_off' as const,
      message: 'no updates: the agent is waiting for its store',
    };
  }
  commands(): CommandRecord[] {
    return this.refuse();
  }
  answerCommand(): CommandRecord {
    return this.refuse();
  }
  retryDeadLetters(): number {
    return this.refuse();
  }
  discardDeadLetters(): number {
    return this.refuse();
  }
  async signIn(): Promise<void> {
    this.refuse();
  }
  async useApiToken(): Promise<void> {
    this.refuse();
  }
  signOut(): void {
    this.refuse();
  }
  async testMachine(_machine: MachineConfig): Promise<ConnectionTest> {
    return this.refuse();
  }
  collectorList(): ReturnType<AgentPort['collectorList']> {
    return [];
  }
  async discover(): Promise<{ machines: DiscoveredMachine[]; problems: string[] }> {
    return { machines: [], problems: [this.message] };
  }
  setCollectionPaused(): void {
    this.refuse();
  }
  settings(): never {
    return this.refuse();
  }
  machineDefinition(): undefined {
    return undefined;
  }
  async updateMachine(): Promise<MachineConfig> {
    return this.refuse();
  }
  clearAlert(): boolean {
    return false;
  }
  machineJobs(_name: string, _limit: number): JobRecord[] {
    return [];
  }
  updateSettings(): { saved: true; restarting: boolean } {
    return this.refuse();
  }
  machineCaptures(): DeadLetter[] {
    return [];
  }
  async addMachine(): Promise<MachineConfig> {
    return this.refuse();
  }
  async removeMachine(): Promise<boolean> {
    return this.refuse();
  }
  diagnostics(): Buffer {
    return this.refuse();
  }
  async serialPorts(): Promise<{ ports: Array<{ path: string; manufacturer?: string }>; problem?: string }> {
    return { ports: [], problem: this.message };
  }
}
