import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionTest, DiscoveredMachine } from '../collectors/sdk/collector.ts';
import type { MachineSnapshot } from '../collectors/sdk/machine-snapshot.ts';
import type { PastJob } from '../collectors/sdk/past-job.ts';
import { CollectorRegistry } from '../collectors/sdk/registry.ts';
import type { MachineConfig } from '../shared/config/schema.ts';
import { ConfigError, describeError, EchoError } from '../shared/errors.ts';
import type { AgentPort, AgentStatus, DeadLetter, MachineSummary } from './api/agent-port.ts';
import { diagnosticsZip } from './api/diagnostics.ts';
import { LocalApi } from './api/local-api.ts';
import { type Clock, wallClock } from './clock.ts';
import { noteCloudUrl } from './cloud/cloud-switch.ts';
import { forgetApiToken, loginForToken, useApiToken } from './cloud/credentials.ts';
import { CloudHttpClient } from './cloud/http-client.ts';
import { AppMachines, type MachineInput } from './collection/app-machines.ts';
import { followCloudMachines, readCloudMachines } from './collection/cloud-machines.ts';
import { CollectionManager } from './collection/collection-manager.ts';
import {
  describeCollectors,
  discoverMachines,
  serialPortsForWizard,
} from './collection/collector-catalog.ts';
import { JobHistoryFeed } from './collection/job-history-feed.ts';
import { migrateMachineSecretNames } from './collection/machine-secret-migration.ts';
import { localMachinesFile, type MachineOrigin, MachineSet } from './collection/machine-set.ts';
import type { PollLagStats } from './collection/poll-lag.ts';
import { validateMachines } from './collection/validate-machines.ts';
import { AppSettings } from './config/app-settings.ts';
import type { ResolvedConfig } from './config/load.ts';
import type { LocalSettingsPatch } from './config/local-settings.ts';
import { HostTime } from './host/host-time.ts';
import { type AgentLogging, createLogging, type Logger } from './logging/create-logger.ts';
import { restrictDataDir } from './owner-only.ts';
import { openSecretStore } from './secrets/encrypted-file-store.ts';
import { resolveSecretRef, type SecretStore } from './secrets/secret-store.ts';
import { logStartNotices } from './start-notices.ts';
import { conditionAlert, followStoreCondition } from './store/condition-notices.ts';
import type { JobRecord } from './store/job-history.ts';
import { runStoreMaintenance } from './store/maintenance.ts';
import { Store } from './store/store.ts';
import type { StoreAlert } from './store/store-stats.ts';
import type { CaptureInput, LogInput, MachineStatusInput, StoredLog } from './store/types.ts';
import { SyncEngine } from './sync/sync-engine.ts';
import { ECHO_VERSION } from './version.ts';

export interface AgentOptions {
  config: ResolvedConfig;
  clock?: Clock;
  /** Also log JSON lines to stdout (the CLI). */
  stdoutLogs?: boolean;
  /** The desktop shell passes a safeStorage-backed store; headless uses an owner-only file. */
  secrets?: SecretStore;
  /** Start the local API (default true). */
  api?: boolean;
  /**
   * The collectors machines may use (the shells pass `src/collectors/all.ts`). Without it the
   * agent collects nothing itself and only stores what it is handed (tests, embedding).
   */
  collectors?: CollectorRegistry;
  /**
   * The local API's port and token to keep (a restart after a settings change: the open UI and
   * the desktop shell keep talking to the same address with the same token).
   */
  apiEndpoint?: { port: number; token: string };
  /** Asks the shell to restart the core with the config reloaded (settings changed in the app). */
  onRestart?: (reason: string) => void;
}

const STOP_DEADLINE_MS = 8000;
const PAUSED_KEY = 'collection_paused_by_operator';

/**
 * The agent core: one object that owns the store, the sync engine and the local API. The CLI and
 * the Electron main process both start exactly this. It never imports Electron.
 */
export class Agent implements AgentPort {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly sync: SyncEngine;
  readonly logger: Logger;
  readonly secrets: SecretStore;
  readonly api: LocalApi | undefined;
  readonly collection: CollectionManager | undefined;
  readonly collectors: CollectorRegistry;
  private readonly logging: AgentLogging;
  private readonly clock: Clock;
  private readonly startedAt: number;
  private readonly maintenance = new AbortController();
  private maintenanceLoop: Promise<void> | undefined;
  private cloudMachinesLoop: Promise<void> | undefined;
  /** The machines run here: config file, operator UI, cloud. */
  private readonly machineSet: MachineSet;
  private catalog: ReturnType<typeof describeCollectors> | undefined;
  private collectionEnabled = true;
  /** The operator paused collection (tray or UI); kept in the store across restarts. */
  private pausedByOperator = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private started = false;
  private readonly jobHistory: JobHistoryFeed;
  private readonly appSettings: AppSettings;
  private readonly appMachines: AppMachines;
  /** Clock jumps and sleeps of the host (docs/architecture.md, "Time"). */
  readonly hostTime: HostTime;

  private constructor(options: AgentOptions) {
    const { config } = options;
    this.config = config;
    this.collectors = options.collectors ?? new CollectorRegistry();
    if (options.collectors) {
      const problems = validateMachines(config.machines, options.collectors);
      if (problems.length > 0) {
        throw new ConfigError(
          'ECHO_ERR_CONFIG_INVALID',
          `Invalid machines${config.source ? ` in ${config.source}` : ''}`,
          problems,
        );
      }
    }
    this.clock = options.clock ?? wallClock;
    this.startedAt = this.clock.now();
    mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
    // The mode above applies only to a folder Echo creates; one that existed is restricted too.
    const notOwnerOnly = restrictDataDir(config.data_dir);
    this.secrets = options.secrets ?? openSecretStore(config.data_dir);
    const sentryDsn = config.log.sentry_dsn_ref
      ? resolveSecretRef(config.log.sentry_dsn_ref, this.secrets)
      : undefined;
    this.logging = createLogging({
      level: config.log.level,
      cloudLevel: config.log.cloud_level,
      logDir: join(config.data_dir, 'logs'),
      fileMaxBytes: config.log.file_max_mb * 1024 * 1024,
      fileCount: config.log.file_count,
      stdout: options.stdoutLogs ?? false,
      ...(sentryDsn ? { sentryDsn } : {}),
      release: ECHO_VERSION,
      serverName: config.workstation_name,
    });
    this.logger = this.logging.logger;
    this.store = this.openStore(config);
    followStoreCondition(this.store, this.logger.child({ component: 'store' }));
    this.logging.storeSink.attach((entry) => this.store.ingestLog(entry));
    logStartNotices(this.logger, {
      notOwnerOnly,
      secrets: this.secrets,
      cloudMoved: noteCloudUrl(this.store, this.secrets, config.cloud.url),
      withheldApiToken: config.withheldApiToken,
    });
    this.jobHistory = new JobHistoryFeed(this.store.jobs, this.logger);
    this.appSettings = new AppSettings(config, this.logger, options.onRestart);
    // Before the list is read: it keeps only a machine's own secret-store entry as its reference.
    migrateMachineSecretNames(localMachinesFile(config.data_dir), this.secrets, config.machines, this.logger);
    this.machineSet = new MachineSet(
      config.machines,
      config.data_dir,
      this.store.stats,
      options.collectors,
      this.logger,
      config.cloud.machines_from_cloud,
    );
    this.appMachines = new AppMachines({
      machineSet: this.machineSet,
      collectors: this.collectors,
      secrets: this.secrets,
      logger: this.logger,
      apply: async () => this.collection?.reconcile(this.allMachines()),
      removed: (name) => this.jobHistory.forget(name, this.clock.now()),
    });
    this.pausedByOperator = this.store.stats.getValue(PAUSED_KEY) === '1';
    this.hostTime = new HostTime({
      clock: this.clock,
      logger: this.logger.child({ component: 'host' }),
      stats: this.store.stats,
      asleepAfterMs: config.intervals.asleep_after * 1000,
      resumed: (gap) => {
        this.collection?.resume();
        this.sync.resumed(gap.unseenMs);
      },
    });
    this.sync = new SyncEngine({
      config,
      store: this.store,
      secrets: this.secrets,
      clock: this.clock,
      logger: this.logger.child({ component: 'sync' }),
      modelerFor: (machine) => this.machineSet.get(machine)?.modeler,
      machineNames: () => this.allMachines().map((m) => m.name),
      onEnabledChange: (enabled) => {
        this.collectionEnabled = enabled;
      },
    });
    this.collection = options.collectors
      ? new CollectionManager({
          registry: options.collectors,
          sink: this,
          clock: this.clock,
          logger: this.logger.child({ component: 'collection' }),
          stats: this.store.stats,
          secrets: this.secrets,
          dataDir: config.data_dir,
          sleep: this.hostTime.witness,
        })
      : undefined;
    this.api =
      options.api === false
        ? undefined
        : new LocalApi(this, this.logger.child({ component: 'api' }), {
            host: config.api.host,
            port: options.apiEndpoint?.port ?? config.api.port,
            dataDir: config.data_dir,
            ...(options.apiEndpoint ? { token: options.apiEndpoint.token } : {}),
          });
  }

  /**
   * The store, or the failure to open it with this core's log file closed (a core that waits for
   * its store tries again, and must not leave a file open each time).
   */
  private openStore(config: ResolvedConfig): Store {
    try {
      return Store.open({
        dataDir: config.data_dir,
        maxSizeBytes: config.store.max_size_mb * 1024 * 1024,
        whenFull: config.store.when_full,
        retentionMs: config.store.retention_hours * 3600_000,
        inlineMaxBytes: config.store.inline_content_max_kb * 1024,
        startupCheckMaxBytes: config.store.startup_check_max_mb * 1024 * 1024,
        minFreeBytes: config.store.min_free_mb * 1024 * 1024,
        reserveBytes: config.store.reserve_mb * 1024 * 1024,
        groupCommit: {
          maxRecords: config.store.group_commit_max_records,
          maxWaitMs: config.store.group_commit_max_wait_ms,
        },
        now: this.clock.now,
        onQuarantine: (report) =>
          this.logger.error(
            { quarantine: report },
            'the local database was damaged: quarantined and salvaged',
          ),
      });
    } catch (error) {
      this.logging.close();
      throw error;
    }
  }

  /** Opens the store, starts sync and the local API. Ready when it resolves. */
  static async start(options: AgentOptions): Promise<Agent> {
    const agent = new Agent(options);
    try {
      if (agent.api) await agent.api.start();
    } catch (error) {
      agent.store.close();
      agent.logging.close();
      throw new EchoError(
        'ECHO_ERR_USAGE',
        `the local API could not listen on ${options.config.api.host}:${options.config.api.port}: ${describeError(error)}`,
      );
    }
    agent.sync.start();
    agent.collection?.start(agent.allMachines());
    if (agent.collection && options.config.cloud.machines_from_cloud) {
      agent.cloudMachinesLoop = agent.followCloudMachines(agent.maintenance.signal);
    }
    agent.hostTime.start();
    agent.maintenanceLoop = runStoreMaintenance({
      store: agent.store,
      clock: agent.clock,
      logger: agent.logger,
      config: options.config,
      signal: agent.maintenance.signal,
    });
    agent.started = true;
    agent.logger.info(
      {
        version: ECHO_VERSION,
        data_dir: options.config.data_dir,
        api: agent.api?.url,
        secrets: agent.secrets.description,
      },
      'Echo agent started',
    );
    return agent;
  }

  async ingestCapture(input: CaptureInput): Promise<{ echoCaptureId: string }> {
    const result = await this.store.ingestCapture(input);
    this.sync.wake();
    return result;
  }

  async ingestLog(entry: LogInput): Promise<void> {
    await this.store.ingestLog(entry);
  }

  /** A poll's snapshot and machine-reported jobs: the job history (see JobHistoryFeed). */
  observeSnapshot(machine: string, snapshot: MachineSnapshot, at: number): void {
    this.jobHistory.observe(machine, snapshot, at);
  }

  recordPastJobs(machine: string, jobs: readonly PastJob[]): void {
    this.jobHistory.recordPast(machine, jobs);
  }

  clearAlert(id: number): boolean {
    const cleared = this.store.stats.clearAlert(id);
    if (cleared) this.logger.info({ alert: id }, 'alert dismissed by the operator');
    return cleared;
  }

  machineJobs(name: string, limit: number): JobRecord[] {
    return this.jobHistory.recent(name, limit);
  }

  async recordMachineStatus(status: MachineStatusInput): Promise<void> {
    await this.store.recordMachineStatus(status);
    this.sync.statusChanged();
  }

  /** The collection sink's switch: false while the cloud disabled this installation or on stop. */
  collecting(): boolean {
    return (
      this.collectionEnabled &&
      !this.pausedByOperator &&
      !this.stopping &&
      !this.store.condition.collectionPaused
    );
  }

  /**
   * Pauses or resumes collection for every machine (the tray's "Pause collection"): machines are
   * not polled while paused; what is stored is still sent.
   */
  setCollectionPaused(paused: boolean): void {
    this.pausedByOperator = paused;
    this.store.stats.setValue(PAUSED_KEY, paused ? '1' : undefined);
    this.logger.info({ paused }, paused ? 'collection paused by the operator' : 'collection resumed');
  }

  /** Where a machine's first history backfill starts: the cloud modeler's watermark, if reachable. */
  async cloudWatermark(machine: string): Promise<string | undefined> {
    const modeler = this.machineSet.get(machine)?.modeler;
    if (!modeler) return undefined;
    try {
      return await this.sync.modelerWatermark(modeler);
    } catch (error) {
      this.logger.info(
        { machine, err: error },
        'cloud watermark unknown; collecting history from the oldest job',
      );
      return undefined;
    }
  }

  historyAdvanced(): void {
    this.sync.statusChanged();
  }

  discover(seconds: number): Promise<{ machines: DiscoveredMachine[]; problems: string[] }> {
    return discoverMachines(this.collectors, seconds);
  }

  serialPorts(): Promise<{ ports: Array<{ path: string; manufacturer?: string }>; problem?: string }> {
    return serialPortsForWizard();
  }

  /** Tries a machine's connection settings without storing anything (the add-machine wizard). */
  testMachine(machine: MachineConfig, password?: string): Promise<ConnectionTest> {
    if (!this.collection)
      return Promise.resolve({ ok: false, message: 'this agent runs without collectors' });
    return this.collection.testConnection(machine, AbortSignal.timeout(120_000), password);
  }

  /** The collectors and their connection forms (computed once: the registry does not change). */
  collectorList() {
    this.catalog ??= describeCollectors(this.collectors);
    return this.catalog;
  }

  ready(): boolean {
    return this.started && !this.stopping;
  }

  status(): AgentStatus {
    const counts = this.store.stats.counts();
    return {
      version: ECHO_VERSION,
      workstationName: this.config.workstation_name,
      startedAt: new Date(this.startedAt).toISOString(),
      dataDir: this.config.data_dir,
      collection: !this.collectionEnabled
        ? 'paused_by_cloud'
        : this.pausedByOperator
          ? 'paused_by_operator'
          : this.store.condition.collectionPaused
            ? 'paused_store_full'
            : 'running',
      cloud: { ...this.sync.status(), url: this.config.cloud.url },
      backlog: counts,
      counters: this.store.stats.counters(),
      store: {
        usedBytes: this.store.usedBytes(),
        maxBytes: this.store.maxSizeBytes,
        path: this.store.path,
        secretStore: this.secrets.description,
        condition: this.store.conditionReport,
        refusedWhileFull: this.store.refusedWhileFull,
      },
      alerts: this.alerts(),
      machines: this.machines(),
      pollLag: this.pollLag()?.summary(),
      eventLoop: this.collection?.watchdog.health(),
    };
  }

  /** The condition of the store while it lasts (not stored: see conditionAlert), then the stored ones. */
  private alerts(): StoreAlert[] {
    const live = conditionAlert(this.store.conditionReport);
    let stored: StoreAlert[] = [];
    try {
      stored = this.store.stats.activeAlerts();
    } catch (error) {
      // An unreadable store must not take the status page with it: the condition says why.
      if (!live) throw error;
    }
    return live ? [live, ...stored] : stored;
  }

  /**
   * The crash guard restarted this core after an exception nobody handled: an alert until the
   * operator dismisses it, and a counter.
   */
  recordCoreRestart(message: string): void {
    this.store.stats.increment('core_restarts');
    this.store.stats.addAlert('core_restarted', message);
  }

  /** How late machine polls start against their schedule (undefined without collectors). */
  pollLag(): PollLagStats | undefined {
    return this.collection?.pollLag;
  }

  machines(): MachineSummary[] {
    const statuses = new Map(this.store.status.latest().map((s) => [s.machine, s]));
    // Echo's sleeps, in every machine's history: a gap in collection, not the machine's downtime.
    const asleep = this.hostTime.sleeps();
    return this.allMachines().map((m) => ({
      name: m.name,
      collector: m.collector,
      origin: this.machineSet.origin(m.name) ?? 'config',
      modeler: m.modeler,
      status: statuses.get(m.name),
      live: this.collection?.live(m.name),
      history: this.collection?.history(m.name),
      backlog: this.store.captures.backlogFor(m.name),
      asleep,
    }));
  }

  /** A machine's recent captures and where each is in its sync (the machine detail screen). */
  machineCaptures(machine: string, limit: number): DeadLetter[] {
    return this.store.captures.listForMachine(machine, limit);
  }

  logs(filter: { limit: number; level?: string; machine?: string; search?: string }): StoredLog[] {
    return this.store.logs.recent(filter);
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.store.captures.listDead(limit);
  }

  retryDeadLetters(kind: 'captures' | 'logs', ids?: number[]): number {
    const count = kind === 'logs' ? this.store.logs.retryDead() : this.store.captures.retryDead(ids);
    this.logger.info({ kind, count }, 'dead-lettered records put back in the queue');
    this.sync.wake();
    this.sync.flushLogs();
    return count;
  }

  discardDeadLetters(ids: number[]): number {
    const count = this.store.captures.discardDead(ids);
    this.store.stats.increment('captures_discarded', count);
    this.logger.warn({ count }, 'dead-lettered captures discarded by the operator');
    return count;
  }

  async signIn(request: { username: string; password: string; ldap: boolean }): Promise<void> {
    const client = new CloudHttpClient(this.config.cloud.url, this.config.cloud.request_timeout_ms);
    await loginForToken(client, { ...request, workstationName: this.config.workstation_name }, this.secrets);
    this.logger.info({ username: request.username }, 'signed in; api token stored');
    this.sync.credentialsChanged();
  }

  /** Signs in with an API token made in the cloud (checked first, then kept in the secret store). */
  async useApiToken(token: { uuid: string; secret: string }): Promise<void> {
    const client = new CloudHttpClient(this.config.cloud.url, this.config.cloud.request_timeout_ms);
    await useApiToken(client, token, this.secrets);
    this.logger.info({ token: token.uuid }, 'signed in with an api token; stored');
    this.sync.credentialsChanged();
  }

  signOut(): void {
    forgetApiToken(this.secrets);
    this.logger.info('signed out; collection goes on and data waits in the store');
    this.sync.credentialsChanged();
  }

  /**
   * Drains and closes within the deadline: refuse new work, commit what is queued, stop workers.
   * A second call waits for the first one's end (a shell and a crash restart may both stop it).
   */
  stop(): Promise<void> {
    this.stopped ??= this.drainAndClose();
    return this.stopped;
  }

  private async drainAndClose(): Promise<void> {
    this.stopping = true;
    this.logger.info('Echo agent stopping');
    this.maintenance.abort();
    this.hostTime.stop();
    const deadline = new Promise((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref());
    // Machines stop first, so that their last records are in the store before sync drains.
    await Promise.race([
      (async () => {
        await this.collection?.stop();
        await Promise.allSettled([
          this.sync.stop(),
          this.api?.stop(),
          this.maintenanceLoop,
          this.cloudMachinesLoop,
        ]);
      })(),
      deadline,
    ]);
    this.logging.storeSink.detach();
    this.store.close();
    this.logging.close();
  }

  /** The machines this installation runs: the config file's, the UI's, then the cloud's. */
  allMachines(): MachineConfig[] {
    return this.machineSet.all();
  }

  /** Machines added in the app: see AppMachines. */
  addMachine(input: MachineInput): Promise<MachineConfig> {
    return this.appMachines.add(input);
  }

  machineDefinition(name: string): { origin: MachineOrigin; machine?: MachineConfig } | undefined {
    return this.appMachines.definition(name);
  }

  updateMachine(input: MachineInput): Promise<MachineConfig> {
    return this.appMachines.update(input);
  }

  removeMachine(name: string): Promise<boolean> {
    return this.appMachines.remove(name);
  }

  /** The settings screen: see AppSettings. */
  settings(): Record<string, unknown> {
    return this.appSettings.describe(this.secrets.description);
  }

  updateSettings(patch: LocalSettingsPatch): { saved: true; restarting: boolean } {
    return this.appSettings.update(patch);
  }

  /** A zip for support: status, machines, recent logs, the config without secrets. */
  diagnostics(): Buffer {
    return diagnosticsZip({
      version: ECHO_VERSION,
      now: this.clock.now(),
      config: this.config,
      status: this.status(),
      machines: this.machines(),
      logs: this.logs({ limit: 5000 }),
      jobs: Object.fromEntries(this.allMachines().map((m) => [m.name, this.machineJobs(m.name, 50)])),
      changedInApp: this.appSettings.changedInApp(),
    });
  }

  private followCloudMachines(signal: AbortSignal): Promise<void> {
    return followCloudMachines({
      signal,
      clock: this.clock,
      intervalMs: this.config.intervals.machines_refresh * 1000,
      registered: () => this.sync.registered,
      read: () =>
        readCloudMachines(
          this.sync.client,
          this.collectors,
          this.secrets,
          this.machineSet.managedHere(),
          this.logger,
        ),
      apply: async (machines) => {
        if (!this.machineSet.setCloud(machines)) return;
        this.logger.info({ machines: machines.map((m) => m.name) }, 'machines from the cloud');
        await this.collection?.reconcile(this.allMachines());
      },
      logger: this.logger,
    });
  }
}
