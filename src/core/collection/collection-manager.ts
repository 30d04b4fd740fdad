import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type {
  Collector,
  CollectorContext,
  CollectorFactory,
  CommandResult,
  ConnectionTest,
  MachineCommand,
  MachineSecrets,
  PrintingPreset,
} from '../../collectors/sdk/collector.ts';
import type { CollectorRegistry } from '../../collectors/sdk/registry.ts';
import { ResourceScope } from '../../collectors/sdk/shared-resources.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import { describeError } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';
import type { SleepWitness } from '../host/host-clock-monitor.ts';
import { machineSecretName } from '../secrets/machine-secret-name.ts';
import { resolveSecretRef, type SecretStore } from '../secrets/secret-store.ts';
import type { StoreStats } from '../store/store-stats.ts';
import type { CollectionSink } from './collection-sink.ts';
import { type HistoryProgress, HistoryRunner } from './history-runner.ts';
import { DEFAULT_WATCHDOG, LoopWatchdog } from './loop-watchdog.ts';
import { machineFolderName } from './machine-folder.ts';
import { type MachineLiveStatus, MachineRunner } from './machine-runner.ts';
import { inMachineScope } from './machine-scope.ts';
import { PollLagStats } from './poll-lag.ts';
import { StagedState } from './staged-state.ts';
import { withTimeout } from './with-timeout.ts';

export interface CollectionDeps {
  registry: CollectorRegistry;
  sink: CollectionSink;
  clock: Clock;
  logger: Logger;
  stats: StoreStats;
  secrets: SecretStore;
  dataDir: string;
  /** Whether Echo slept (paused, PC suspended): a poll failed across a sleep is not a failure. */
  sleep?: SleepWitness;
}

/**
 * Starts one runner per enabled machine with its vendor's collector, and answers what the local
 * API asks of machines (live status, test connection). It knows collectors only through the
 * registry: adding a vendor never touches this file.
 */
export class CollectionManager {
  private readonly runners = new Map<string, MachineRunner>();
  private readonly histories = new Map<string, HistoryRunner>();
  /** How late polls start, over every machine (the scheduler's own health). */
  readonly pollLag = new PollLagStats();
  /** Notices a stalled event loop and names the machine behind it. */
  readonly watchdog: LoopWatchdog;
  private watching = false;
  /** Set by `stop`: a start still loading collector code then starts nothing. */
  private stopped = false;
  /** Pools and certificate stores the machines share; closed when collection stops. */
  private readonly shared = new ResourceScope();

  constructor(private readonly deps: CollectionDeps) {
    this.watchdog = new LoopWatchdog(deps.logger, DEFAULT_WATCHDOG, deps.sleep);
  }

  /** What each running machine was started with, to tell a changed machine from the same one. */
  private readonly running = new Map<string, string>();

  /** Starts `machines`, loading the code of each collector they use on first need. */
  async start(machines: readonly MachineConfig[]): Promise<void> {
    const enabled = machines.filter((machine) => machine.enabled);
    const factories = await this.loadFactories(enabled);
    // Stopped while the code loaded (the agent shuts down during its start): start nothing, or
    // the new runners would outlive the agent.
    if (this.stopped) return;
    if (!this.watching) {
      this.watching = true;
      this.watchdog.start();
    }
    for (const machine of enabled) {
      const definition = this.deps.registry.get(machine.collector)!;
      const create = factories.get(definition.id);
      if (!create) continue;
      this.running.set(machine.name, JSON.stringify(machine));
      const logger = this.deps.logger.child({ machine: machine.name, collector: definition.id });
      let runner: MachineRunner | undefined;
      const state = this.state(machine);
      const ctx = this.context(machine, logger, state, () => runner?.notify());
      const collector = create(machine.connection, ctx);
      runner = new MachineRunner(
        machine,
        collector,
        this.deps.sink,
        this.deps.clock,
        logger,
        state,
        this.pollLag,
        this.deps.sleep,
      );
      this.runners.set(machine.name, runner);
      runner.start();
      const readHistory = collector.readHistory?.bind(collector);
      if (readHistory && HistoryRunner.intervalOf(machine) !== undefined) {
        const history = new HistoryRunner(
          machine,
          Object.assign(collector, { readHistory }),
          this.deps.sink,
          this.deps.stats,
          this.deps.clock,
          logger.child({ history: true }),
        );
        this.histories.set(machine.name, history);
        // The same collector, so the same scope: a fault while reading history fails this machine.
        inMachineScope(runner.scope, () => history.start());
      }
    }
  }

  /**
   * The code of every collector `machines` use. A collector whose code fails to load (a damaged
   * install) is said once and its machines do not start; the other machines start as usual.
   */
  private async loadFactories(machines: readonly MachineConfig[]): Promise<Map<string, CollectorFactory>> {
    const ids = [...new Set(machines.map((machine) => machine.collector))];
    const factories = new Map<string, CollectorFactory>();
    await Promise.all(
      ids.map(async (id) => {
        const definition = this.deps.registry.get(id)!;
        try {
          factories.set(id, await definition.load());
        } catch (error) {
          this.deps.logger.error(
            {
              collector: id,
              err: describeError(error),
              machines: machines.filter((m) => m.collector === id).map((m) => m.name),
            },
            'collector code could not be loaded: its machines are not collected (reinstall Echo)',
          );
        }
      }),
    );
    return factories;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchdog.stop();
    await Promise.allSettled([
      ...[...this.histories.values()].map((history) => history.stop()),
      ...[...this.runners.values()].map((runner) => runner.stop()),
    ]);
    this.runners.clear();
    this.histories.clear();
    this.running.clear();
    await this.shared
      .close()
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'a shared connection resource did not close'),
      );
  }

  /**
   * Brings the running machines in line with `machines` (the cloud's list changed): new ones
   * start, removed ones stop, changed ones restart; the others keep running untouched.
   */
  async reconcile(machines: readonly MachineConfig[]): Promise<void> {
    const wanted = new Map(machines.filter((m) => m.enabled).map((m) => [m.name, m]));
    const stops: Array<Promise<void>> = [];
    for (const [name, started] of this.running) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next) === started) {
        wanted.delete(name);
        continue;
      }
      stops.push(this.stopMachine(name));
    }
    await Promise.all(stops);
    await this.start([...wanted.values()]);
  }

  private async stopMachine(name: string): Promise<void> {
    const runner = this.runners.get(name);
    const history = this.histories.get(name);
    this.runners.delete(name);
    this.histories.delete(name);
    this.running.delete(name);
    await Promise.allSettled([history?.stop(), runner?.stop()]);
  }

  /** Echo runs again after a sleep: every machine is polled at once, on a new connection. */
  resume(): void {
    for (const runner of this.runners.values()) runner.resume();
  }

  history(machine: string): HistoryProgress | undefined {
    return this.histories.get(machine)?.progress();
  }

  live(machine: string): MachineLiveStatus | undefined {
    return this.runners.get(machine)?.status();
  }

  /** Connects once with a fresh collector and reports, without storing anything. */
  /** A remote command on a running machine's collector; undefined when the machine is not running. */
  control(name: string, command: MachineCommand, signal: AbortSignal): Promise<CommandResult> | undefined {
    return this.runners.get(name)?.control(command, signal);
  }

  /**
   * The printing presets of a running machine whose collector reads them; undefined when it is
   * not running or its collector has none. Rejects when the machine cannot be asked now.
   */
  presets(name: string, signal: AbortSignal): Promise<PrintingPreset[]> | undefined {
    const runner = this.runners.get(name);
    return runner?.readsPresets ? runner.presets(signal) : undefined;
  }

  /** What a running machine's state proves of a command (see MachineRunner.verify). */
  verify(name: string, command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    return this.runners.get(name)?.verify(command, signal) ?? Promise.resolve(undefined);
  }

  /** Whether `name` is collected now (enabled, started). */
  isRunning(name: string): boolean {
    return this.runners.has(name);
  }

  async testConnection(
    machine: MachineConfig,
    signal: AbortSignal,
    password?: string,
  ): Promise<ConnectionTest> {
    const definition = this.deps.registry.get(machine.collector);
    if (!definition) return { ok: false, message: `unknown collector "${machine.collector}"` };
    const parsed = definition.connectionSchema.safeParse(machine.connection);
    if (!parsed.success) {
      return {
        ok: false,
        message: `connection settings are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      };
    }
    const logger = this.deps.logger.child({ machine: machine.name, test: true });
    let ctx: CollectorContext;
    try {
      // A test connection stages state it never commits: trying settings leaves no trace.
      ctx = this.context(machine, logger, this.state(machine), () => {}, password);
    } catch (error) {
      return { ok: false, message: describeError(error) };
    }
    let collector: Collector;
    try {
      collector = (await definition.load())(parsed.data, ctx);
    } catch (error) {
      return { ok: false, message: describeError(error) };
    }
    // In a scope of its own, like a running machine: what escapes the collector during the test
    // (a listener that throws) fails the test, not the core.
    let faulted: (error: unknown) => void = () => {};
    const fault = new Promise<never>((_, reject) => {
      faulted = reject;
    });
    const scope = { machine: `${machine.name} (connection test)`, fault: faulted, blocked: () => {} };
    try {
      return await inMachineScope(scope, () =>
        Promise.race([
          withTimeout(
            (s) => collector.testConnection(s),
            machine.timeout * 1000,
            machine.name,
            this.deps.clock,
            signal,
          ),
          fault,
        ]),
      );
    } catch (error) {
      return { ok: false, message: describeError(error) };
    } finally {
      await collector.close().catch(() => undefined);
    }
  }

  private state(machine: MachineConfig): StagedState {
    return new StagedState(this.deps.stats, `collector:${machine.name}:`);
  }

  private context(
    machine: MachineConfig,
    logger: Logger,
    state: StagedState,
    notify: () => void,
    passwordOverride?: string,
  ): CollectorContext {
    const { secrets, dataDir } = this.deps;
    const folder = join(dataDir, 'machines', machineFolderName(machine.name));
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // The wizard tests a password before it is stored: it is used for this test only.
    const password = passwordOverride
      ? passwordOverride
      : machine.credentials?.password_ref
        ? resolveSecretRef(machine.credentials.password_ref, secrets)
        : undefined;
    return {
      machine: machine.name,
      logger,
      credentials: {
        ...(machine.credentials?.username ? { username: machine.credentials.username } : {}),
        ...(password ? { password } : {}),
      },
      state,
      dataDir: folder,
      pkiDir: join(dataDir, 'pki'),
      notify,
      limits: { maxMessageBytes: Math.round(machine.max_message_mb * 1024 * 1024) },
      secrets: collectorSecrets(secrets, machine.name),
      shared: this.shared,
    };
  }
}

/**
 * A machine's collector-kept secrets: `machine-<escaped name>#<key>` entries of the secret store
 * ("#" never appears in the escaped name, so they never meet the machine's password entry).
 */
function collectorSecrets(store: SecretStore, machine: string): MachineSecrets {
  const entry = (key: string) => `${machineSecretName(machine)}#${key}`;
  return {
    get: (key) => store.get(entry(key)),
    set: (key, value) => store.set(entry(key), value),
    delete: (key) => store.delete(entry(key)),
  };
}
