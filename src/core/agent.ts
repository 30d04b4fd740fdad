import type { ConnectionTest, DiscoveredMachine } from '../collectors/sdk/collector.ts';
import type { CollectorRegistry } from '../collectors/sdk/registry.ts';
import type { NetworkCheck } from '../shared/api/wire-network.ts';
import type { SettingsDocument } from '../shared/api/wire-settings.ts';
import type { MachineConfig } from '../shared/config/schema.ts';
import { describeError, EchoError } from '../shared/errors.ts';
import { closeFoundation } from './agent-foundation.ts';
import type { AgentOptions } from './agent-options.ts';
import type { AgentSink } from './agent-sink.ts';
import { activeAlerts, collectionState, machineSummaries } from './agent-status.ts';
import { type AgentParts, wireAgent } from './agent-wiring.ts';
import type { AgentPort, AgentStatus, CommandRecord, DeadLetter, MachineSummary } from './api/agent-port.ts';
import { diagnosticsZip, settingsInEffect } from './api/diagnostics.ts';
import { LocalApi } from './api/local-api.ts';
import type { MachineInput } from './collection/app-machines.ts';
import type { CollectionManager } from './collection/collection-manager.ts';
import {
  describeCollectors,
  discoverMachines,
  serialPortsForWizard,
} from './collection/collector-catalog.ts';
import type { MachineOrigin } from './collection/machine-set.ts';
import type { PollLagStats } from './collection/poll-lag.ts';
import type { ResolvedConfig } from './config/load.ts';
import type { LocalSettingsPatch } from './config/local-settings.ts';
import type { HostTime } from './host/host-time.ts';
import type { Logger } from './logging/create-logger.ts';
import { OperatorRecords } from './operator-records.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import type { JobRecord } from './store/job-history.ts';
import { runStoreMaintenance } from './store/maintenance.ts';
import type { Store } from './store/store.ts';
import type { StoredLog } from './store/types.ts';
import type { SyncEngine } from './sync/sync-engine.ts';
import type { UpdateDownloadResult } from './updates/update-checker.ts';
import { ECHO_VERSION } from './version.ts';

const STOP_DEADLINE_MS = 8000;

/**
 * The agent core's facade: what the local API, the shells and tests call. The CLI and the Electron
 * main process both start exactly this; it never imports Electron. How the parts are built and
 * connected is in agent-wiring.ts (the composition root); this class starts them, answers for
 * them and stops them.
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
  /** Where collection writes, and whether it runs (see AgentSink). */
  readonly sink: AgentSink;
  /** Clock jumps and sleeps of the host (docs/architecture.md, "Time"). */
  readonly hostTime: HostTime;
  private readonly parts: AgentParts;
  /** What the operator reviews and acts on in the store (see OperatorRecords). */
  private readonly records: OperatorRecords;
  private readonly startedAt: number;
  private readonly maintenance = new AbortController();
  private maintenanceLoop: Promise<void> | undefined;
  private cloudMachinesLoop: Promise<void> | undefined;
  private updatesLoop: Promise<void> | undefined;
  private catalog: ReturnType<typeof describeCollectors> | undefined;
  private stopped: Promise<void> | undefined;
  private started = false;

  private constructor(options: AgentOptions) {
    const parts = wireAgent(options);
    this.parts = parts;
    this.records = new OperatorRecords(parts);
    ({
      config: this.config,
      store: this.store,
      sync: this.sync,
      logger: this.logger,
      secrets: this.secrets,
      collection: this.collection,
      collectors: this.collectors,
      sink: this.sink,
      hostTime: this.hostTime,
    } = parts);
    this.startedAt = parts.clock.now();
    try {
      this.api =
        options.api === false
          ? undefined
          : new LocalApi(this, this.logger.child({ component: 'api' }), {
              host: this.config.api.host,
              port: options.apiEndpoint?.port ?? this.config.api.port,
              dataDir: this.config.data_dir,
              ...(options.apiEndpoint ? { token: options.apiEndpoint.token } : {}),
            });
    } catch (error) {
      closeFoundation(parts);
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
      agent.parts.logging.close();
      throw new EchoError(
        'ECHO_ERR_USAGE',
        `the local API could not listen on ${options.config.api.host}:${options.config.api.port}: ${describeError(error)}`,
      );
    }
    // "Proxy check at start": which way to the cloud works, said in the log and in `status`.
    if (options.config.cloud.check_network) agent.parts.networkWatch.checkAtStart();
    agent.sync.start();
    await agent.collection?.start(agent.allMachines());
    // After the machines started: a command received at once finds its machine running.
    agent.parts.commands?.start();
    if (agent.collection && options.config.cloud.machines_from_cloud) {
      agent.cloudMachinesLoop = agent.parts.followCloudMachines(agent.maintenance.signal);
    }
    agent.hostTime.start();
    agent.updatesLoop = agent.parts.updates.run(agent.maintenance.signal);
    agent.maintenanceLoop = runStoreMaintenance({
      store: agent.store,
      clock: agent.parts.clock,
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

  /** Alerts, jobs, captures, logs, commands, dead letters: see OperatorRecords. */
  clearAlert(id: number): boolean {
    return this.records.clearAlert(id);
  }

  machineJobs(name: string, limit: number): JobRecord[] {
    return this.records.machineJobs(name, limit);
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
    return this.started && !this.parts.stopping.now;
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
      ...(this.parts.commands ? { commands: this.records.commandCounts() } : {}),
      machines: this.machines(),
      pollLag: this.pollLag()?.summary(),
      eventLoop: this.collection?.watchdog.health(),
      asleep: this.hostTime.sleeps(),
      update: this.parts.updates.status(),
      network: this.parts.networkWatch.latest,
    };
  }

  /** Checks again which way to the cloud works (the UI's "check again", after a network change). */
  checkNetwork(): Promise<NetworkCheck> {
    return this.parts.networkWatch.check();
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
      machineSet: this.parts.machineSet,
      machines: this.allMachines(),
      collection: this.collection,
    });
  }

  /** A machine's recent captures and where each is in its sync (the machine detail screen). */
  machineCaptures(machine: string, limit: number): DeadLetter[] {
    return this.records.machineCaptures(machine, limit);
  }

  logs(filter: { limit: number; level?: string; machine?: string; search?: string }): StoredLog[] {
    return this.records.logs(filter);
  }

  answerCommand(id: number, confirm: boolean): CommandRecord | 'not_found' | 'not_awaiting' {
    return this.records.answerCommand(id, confirm);
  }

  commands(filter: { machine?: string; limit: number }): CommandRecord[] {
    return this.records.commands(filter);
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.records.deadLetters(limit);
  }

  retryDeadLetters(kind: 'captures' | 'logs', ids?: number[]): number {
    return this.records.retryDeadLetters(kind, ids);
  }

  discardDeadLetters(ids: number[]): number {
    return this.records.discardDeadLetters(ids);
  }

  /** Updates from the cloud's `/installer/` feed: see UpdateChecker. */
  updateStatus(): NonNullable<AgentStatus['update']> {
    return this.parts.updates.status();
  }

  checkUpdate(): Promise<NonNullable<AgentStatus['update']> | 'updates_off'> {
    if (!this.parts.updates.enabled) return Promise.resolve('updates_off');
    return this.parts.updates.check(this.maintenance.signal);
  }

  downloadUpdate(): Promise<UpdateDownloadResult> {
    return this.parts.updates.download(this.maintenance.signal);
  }

  signIn(request: { username: string; password: string; ldap: boolean }): Promise<void> {
    return this.parts.account.signIn(request);
  }

  useApiToken(token: { uuid: string; secret: string }): Promise<void> {
    return this.parts.account.useApiToken(token);
  }

  signOut(): void {
    this.parts.account.signOut();
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
    this.parts.stopping.now = true;
    this.logger.info('Echo agent stopping');
    this.maintenance.abort();
    this.hostTime.stop();
    const deadline = new Promise((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref());
    // Machines stop first, so that their last records are in the store before sync drains.
    await Promise.race([
      (async () => {
        // Commands end before their machines stop: one in flight is finished or recorded as failed.
        await this.parts.commands?.stop();
        await this.collection?.stop();
        await Promise.allSettled([
          this.sync.stop(),
          this.api?.stop(),
          this.maintenanceLoop,
          this.cloudMachinesLoop,
          this.updatesLoop,
        ]);
      })(),
      deadline,
    ]);
    await this.parts.network.close();
    this.parts.logging.storeSink.detach();
    this.store.close();
    this.parts.logging.close();
  }

  /** The machines this installation runs: the config file's, the UI's, then the cloud's. */
  allMachines(): MachineConfig[] {
    return this.parts.machineSet.all();
  }

  /** Machines added in the app: see AppMachines. */
  addMachine(input: MachineInput): Promise<MachineConfig> {
    return this.parts.appMachines.add(input);
  }

  machineDefinition(name: string): { origin: MachineOrigin; machine?: MachineConfig } | undefined {
    return this.parts.appMachines.definition(name);
  }

  updateMachine(input: MachineInput): Promise<MachineConfig> {
    return this.parts.appMachines.update(input);
  }

  removeMachine(name: string): Promise<boolean> {
    return this.parts.appMachines.remove(name);
  }

  /** The settings screen: see AppSettings. */
  settings(): SettingsDocument {
    const { editable, restartable } = this.parts.appSettings.describeEditable();
    return {
      ...settingsInEffect(this.config, this.secrets.description),
      restartable,
      // The JSON Schema zod writes is an object; config/local-settings.ts keeps it `unknown`.
      editable: { ...editable, schema: editable.schema as Record<string, unknown> },
    };
  }

  updateSettings(patch: LocalSettingsPatch): { saved: true; restarting: boolean } {
    return this.parts.appSettings.update(patch);
  }

  /** A zip for support: status, machines, recent logs, the config without secrets. */
  diagnostics(): Buffer {
    return diagnosticsZip({
      version: ECHO_VERSION,
      now: this.parts.clock.now(),
      config: this.config,
      agent: this,
      changedInApp: this.parts.appSettings.changedInApp(),
    });
  }
}
