import type { ConnectionTest, DiscoveredMachine } from '../collectors/sdk/collector.ts';
import { CollectorRegistry } from '../collectors/sdk/registry.ts';
import type { MachineConfig } from '../shared/config/schema.ts';
import { describeError, EchoError } from '../shared/errors.ts';
import { closeFoundation, openFoundation } from './agent-foundation.ts';
import type { AgentOptions } from './agent-options.ts';
import { AgentSink } from './agent-sink.ts';
import { activeAlerts, collectionState, machineSummaries } from './agent-status.ts';
import type { AgentPort, AgentStatus, DeadLetter, MachineSummary } from './api/agent-port.ts';
import { diagnosticsZip, settingsInEffect } from './api/diagnostics.ts';
import { LocalApi } from './api/local-api.ts';
import { type Clock, wallClock } from './clock.ts';
import { CloudAccount } from './cloud/account.ts';
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
import { assertValidMachines } from './collection/validate-machines.ts';
import { AppSettings } from './config/app-settings.ts';
import type { ResolvedConfig } from './config/load.ts';
import type { LocalSettingsPatch } from './config/local-settings.ts';
import { HostTime } from './host/host-time.ts';
import type { AgentLogging, Logger } from './logging/create-logger.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import type { JobRecord } from './store/job-history.ts';
import { runStoreMaintenance } from './store/maintenance.ts';
import type { Store } from './store/store.ts';
import type { StoredLog } from './store/types.ts';
import { SyncEngine } from './sync/sync-engine.ts';
import { ECHO_VERSION } from './version.ts';

const STOP_DEADLINE_MS = 8000;

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
  /** Where collection writes, and whether it runs (see AgentSink). */
  readonly sink: AgentSink;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private started = false;
  private readonly jobHistory: JobHistoryFeed;
  private readonly appSettings: AppSettings;
  private readonly appMachines: AppMachines;
  private readonly account: CloudAccount;
  /** Clock jumps and sleeps of the host (docs/architecture.md, "Time"). */
  readonly hostTime: HostTime;

  private constructor(options: AgentOptions) {
    const { config } = options;
    this.config = config;
    this.collectors = options.collectors ?? new CollectorRegistry();
    if (options.collectors) assertValidMachines(config.machines, options.collectors, config.source);
    this.clock = options.clock ?? wallClock;
    this.startedAt = this.clock.now();
    const foundation = openFoundation(config, {
      clock: this.clock,
      stdoutLogs: options.stdoutLogs ?? false,
      ...(options.secrets ? { secrets: options.secrets } : {}),
    });
    this.secrets = foundation.secrets;
    this.logging = foundation.logging;
    this.logger = this.logging.logger;
    this.store = foundation.store;
    // Whatever fails from here closes the store and the log: a core that waits for its store
    // builds again, and must not leak a file each time.
    try {
      this.jobHistory = new JobHistoryFeed(this.store.jobs, this.logger);
      this.appSettings = new AppSettings(config, this.logger, options.onRestart);
      // Before the list is read: it keeps only a machine's own secret-store entry as its reference.
      migrateMachineSecretNames(
        localMachinesFile(config.data_dir),
        this.secrets,
        config.machines,
        this.logger,
      );
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
          this.sink.enabledByCloud = enabled;
        },
      });
      this.sink = new AgentSink({
        store: this.store,
        sync: this.sync,
        jobHistory: this.jobHistory,
        machineSet: this.machineSet,
        logger: this.logger,
        stopping: () => this.stopping,
      });
      this.account = new CloudAccount(config, this.secrets, this.logger, () =>
        this.sync.credentialsChanged(),
      );
      this.collection = options.collectors
        ? new CollectionManager({
            registry: options.collectors,
            sink: this.sink,
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
    } catch (error) {
      closeFoundation(foundation);
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
    await agent.collection?.start(agent.allMachines());
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

  clearAlert(id: number): boolean {
    const cleared = this.store.stats.clearAlert(id);
    if (cleared) this.logger.info({ alert: id }, 'alert dismissed by the operator');
    return cleared;
  }

  machineJobs(name: string, limit: number): JobRecord[] {
    return this.jobHistory.recent(name, limit);
  }

  /** Pauses or resumes collection for every machine (the tray's "Pause collection"). */
  setCollectionPaused(paused: boolean): void {
    this.sink.setPaused(paused);
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
      collection: collectionState({
        enabledByCloud: this.sink.enabledByCloud,
        pausedByOperator: this.sink.pausedByOperator,
        store: this.store,
      }),
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
      alerts: activeAlerts(this.store),
      machines: this.machines(),
      pollLag: this.pollLag()?.summary(),
      eventLoop: this.collection?.watchdog.health(),
      asleep: this.hostTime.sleeps(),
    };
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
    return machineSummaries({
      store: this.store,
      machineSet: this.machineSet,
      machines: this.allMachines(),
      collection: this.collection,
    });
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

  signIn(request: { username: string; password: string; ldap: boolean }): Promise<void> {
    return this.account.signIn(request);
  }

  useApiToken(token: { uuid: string; secret: string }): Promise<void> {
    return this.account.useApiToken(token);
  }

  signOut(): void {
    this.account.signOut();
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
    return {
      ...settingsInEffect(this.config, this.secrets.description),
      ...this.appSettings.describeEditable(),
    };
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
      agent: this,
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
