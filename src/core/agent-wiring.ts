import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CollectorRegistry } from '../collectors/sdk/registry.ts';
import type { MachineConfig } from '../shared/config/schema.ts';
import { type AgentFoundation, closeFoundation, openFoundation } from './agent-foundation.ts';
import type { AgentOptions } from './agent-options.ts';
import { AgentSink } from './agent-sink.ts';
import { type Clock, wallClock } from './clock.ts';
import { CloudAccount } from './cloud/account.ts';
import { CloudNetwork } from './cloud/network/cloud-network.ts';
import { NetworkWatch } from './cloud/network/network-watch.ts';
import { modelerReply } from './cloud/replies.ts';
import { AppMachines } from './collection/app-machines.ts';
import { followCloudMachines, readCloudMachines } from './collection/cloud-machines.ts';
import { CollectionManager } from './collection/collection-manager.ts';
import { JobHistoryFeed } from './collection/job-history-feed.ts';
import { migrateMachineSecretNames } from './collection/machine-secret-migration.ts';
import { localMachinesFile, MachineSet } from './collection/machine-set.ts';
import { assertValidMachines } from './collection/validate-machines.ts';
import type { CloudCommand } from './commands/cloud-command.ts';
import { collectionExecutor } from './commands/collection-executor.ts';
import { CommandEngine } from './commands/command-engine.ts';
import { downloadJobFile, JobFileRefused } from './commands/job-file.ts';
import { AppSettings } from './config/app-settings.ts';
import type { ResolvedConfig } from './config/load.ts';
import { HostTime } from './host/host-time.ts';
import type { AgentLogging, Logger } from './logging/create-logger.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import type { StoredCommand } from './store/command-queue.ts';
import type { Store } from './store/store.ts';
import type { CaptureOwner } from './sync/sync-context.ts';
import { SyncEngine } from './sync/sync-engine.ts';
import { interactiveThroughGate, throughGate } from './sync/through-gate.ts';
import { UpdateChecker } from './updates/update-checker.ts';
import { ECHO_VERSION } from './version.ts';

/** Every part of one agent core, wired to each other; the facade (Agent) and its lifecycle use them. */
export interface AgentParts {
  config: ResolvedConfig;
  clock: Clock;
  collectors: CollectorRegistry;
  secrets: SecretStore;
  logging: AgentLogging;
  logger: Logger;
  store: Store;
  jobHistory: JobHistoryFeed;
  appSettings: AppSettings;
  /** The machines run here: config file, operator UI, cloud. */
  machineSet: MachineSet;
  appMachines: AppMachines;
  /** Clock jumps and sleeps of the host (docs/architecture.md, "Time"). */
  hostTime: HostTime;
  sync: SyncEngine;
  /** Where collection writes, and whether it runs (see AgentSink). */
  sink: AgentSink;
  account: CloudAccount;
  /** The way to the cloud: proxy and trusted CAs, for every cloud request (docs/network.md). */
  network: CloudNetwork;
  /** The proxy check at start and on demand. */
  networkWatch: NetworkWatch;
  /** Undefined when the agent runs without collectors (it only stores what it is handed). */
  collection: CollectionManager | undefined;
  /** Remote commands from the cloud (undefined without collectors: nothing to run them on). */
  commands: CommandEngine | undefined;
  /** Set by the facade when it starts stopping: the sink refuses new records from then on. */
  stopping: { now: boolean };
  /** Updates from the cloud's `/installer/` feed (src/core/updates). */
  updates: UpdateChecker;
  /** The cloud's machine list followed until `signal` aborts (only with `machines_from_cloud`). */
  followCloudMachines(signal: AbortSignal): Promise<void>;
}

/**
 * The composition root of the core: opens the foundation (data folder, secrets, log, store), then
 * builds each part with what it needs. The parts refer to each other only through the callbacks
 * given here, so this is the one place that shows how the core hangs together. Whatever fails
 * closes the store and the log: a core that waits for its store builds again, and must not leak a
 * file each time.
 */
export function wireAgent(options: AgentOptions): AgentParts {
  const { config } = options;
  const collectors = options.collectors ?? new CollectorRegistry();
  if (options.collectors) assertValidMachines(config.machines, options.collectors, config.source);
  const clock = options.clock ?? wallClock;
  const foundation = openFoundation(config, {
    clock,
    stdoutLogs: options.stdoutLogs ?? false,
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  try {
    return wireOnFoundation(options, foundation, collectors, clock);
  } catch (error) {
    closeFoundation(foundation);
    throw error;
  }
}

function wireOnFoundation(
  options: AgentOptions,
  foundation: AgentFoundation,
  collectors: CollectorRegistry,
  clock: Clock,
): AgentParts {
  const { config } = options;
  const { secrets, logging, store } = foundation;
  const logger = logging.logger;
  const stopping = { now: false };
  // Parts made later (collection, sync, sink) are reached through these closures, never before
  // the wiring ends: every callback below runs after start.
  let collection: CollectionManager | undefined;
  const allMachines = (): MachineConfig[] => machineSet.all();

  const jobHistory = new JobHistoryFeed(store.jobs, logger);
  const appSettings = new AppSettings(config, logger, options.onRestart);
  // Before the list is read: it keeps only a machine's own secret-store entry as its reference.
  migrateMachineSecretNames(localMachinesFile(config.data_dir), secrets, config.machines, logger);
  const machineSet = new MachineSet(
    config.machines,
    config.data_dir,
    store.stats,
    options.collectors,
    logger,
    config.cloud.machines_from_cloud,
  );
  const appMachines = new AppMachines({
    machineSet,
    collectors,
    secrets,
    logger,
    apply: async () => collection?.reconcile(allMachines()),
    removed: (name) => jobHistory.forget(name, clock.now()),
  });
  const network = new CloudNetwork({
    cloud: config.cloud,
    secrets,
    logger: logger.child({ component: 'network' }),
    ...(options.systemProxy ? { systemProxy: options.systemProxy } : {}),
  });
  const networkWatch = new NetworkWatch({
    network,
    cloudUrl: config.cloud.url,
    requestTimeoutMs: config.cloud.request_timeout_ms,
    logger: logger.child({ component: 'network' }),
    now: clock.now,
  });
  const sync: SyncEngine = new SyncEngine({
    config,
    store,
    secrets,
    network,
    clock,
    logger: logger.child({ component: 'sync' }),
    modelerFor: (machine) => machineSet.get(machine)?.modeler,
    captureOwnerFor: (machine) => captureOwner(machineSet.get(machine)),
    machineNames: () => allMachines().map((m) => m.name),
    onEnabledChange: (enabled) => {
      sink.enabledByCloud = enabled;
    },
  });
  const hostTime = new HostTime({
    clock,
    logger: logger.child({ component: 'host' }),
    stats: store.stats,
    asleepAfterMs: config.intervals.asleep_after * 1000,
    resumed: (gap) => {
      collection?.resume();
      sync.resumed(gap.unseenMs);
    },
  });
  const sink: AgentSink = new AgentSink({
    store,
    sync,
    jobHistory,
    machineSet,
    logger,
    stopping: () => stopping.now,
  });
  const account = new CloudAccount(
    config,
    secrets,
    logger,
    () => sync.credentialsChanged(),
    network,
    (request) => interactiveThroughGate(sync.context.gate, request),
  );
  collection = options.collectors
    ? new CollectionManager({
        registry: options.collectors,
        sink,
        clock,
        logger: logger.child({ component: 'collection' }),
        stats: store.stats,
        secrets,
        dataDir: config.data_dir,
        sleep: hostTime.witness,
      })
    : undefined;

  const commands = collection
    ? new CommandEngine({
        ctx: sync.context,
        active: () => sync.isActive(),
        targets: () =>
          allMachines().flatMap((m) =>
            m.enabled && m.modeler ? [{ machine: m.name, modeler: m.modeler }] : [],
          ),
        ...jobFiles(config, sync, logger),
        executor: collectionExecutor({
          collection,
          registry: collectors,
          machine: (name) => machineSet.get(name),
          cloudSerial: async (name, signal) => {
            const modeler = machineSet.get(name)?.modeler;
            if (!modeler) return undefined;
            // Through the shared gate as every cloud call: a Retry-After or an outage holds it too.
            const reply = await throughGate(
              sync.context,
              () => sync.client.json({ method: 'GET', url: modeler }, modelerReply),
              signal,
            );
            return reply.serial_number ?? undefined;
          },
        }),
      })
    : undefined;

  const updates = new UpdateChecker({
    client: sync.client,
    gate: sync.context.gate,
    settings: config.updates,
    dataDir: config.data_dir,
    current: ECHO_VERSION,
    clock,
    logger: logger.child({ component: 'updates' }),
    registered: () => sync.registered,
  });

  const followCloud = (signal: AbortSignal): Promise<void> =>
    followCloudMachines({
      signal,
      clock,
      intervalMs: config.intervals.machines_refresh * 1000,
      registered: () => sync.registered,
      read: () =>
        readCloudMachines(sync.context, collectors, secrets, machineSet.managedHere(), logger, signal),
      apply: async (machines) => {
        if (!machineSet.setCloud(machines)) return;
        logger.info({ machines: machines.map((m) => m.name) }, 'machines from the cloud');
        await collection?.reconcile(allMachines());
      },
      logger,
    });

  return {
    config,
    clock,
    collectors,
    secrets,
    logging,
    logger,
    store,
    jobHistory,
    appSettings,
    machineSet,
    appMachines,
    hostTime,
    sync,
    sink,
    account,
    network,
    networkWatch,
    collection,
    commands,
    stopping,
    updates,
    followCloudMachines: followCloud,
  };
}

/** Whom a machine's captures belong to: its modeler, else its Addiguru installation (contract). */
function captureOwner(machine: MachineConfig | undefined): CaptureOwner | undefined {
  if (machine?.modeler) return { field: 'modeler', uri: machine.modeler };
  if (machine?.addiguru_installation)
    return { field: 'addiguru_installation', uri: machine.addiguru_installation };
  return undefined;
}

/**
 * start_job's files: downloaded just before they are sent, to `data_dir/commands/<id>/`, removed
 * once the command ended (docs/commands.md, "start_job files").
 */
function jobFiles(config: ResolvedConfig, sync: SyncEngine, logger: Logger) {
  const folder = (id: number) => join(config.data_dir, 'commands', String(id));
  return {
    jobFile: async (command: CloudCommand, stored: StoredCommand, signal: AbortSignal) => {
      const buildFile = command['build-file'] ?? command.build_file;
      const resourceUri = buildFile ?? command.machine_job_file;
      if (!resourceUri)
        throw new JobFileRefused('no_file', 'the start_job names no build-file or machine_job_file');
      const file = await downloadJobFile({
        client: sync.client,
        resourceUri,
        kind: buildFile ? 'build-file' : 'machine_job_file',
        dir: folder(stored.id),
        maxBytes: config.commands.max_file_mb * 1024 * 1024,
        scanWaitMs: config.commands.scan_wait * 1000,
        signal,
        logger: logger.child({ component: 'commands', command: stored.uri }),
      });
      return { path: file.path, name: file.name };
    },
    forgetJobFile: (stored: StoredCommand) => rmSync(folder(stored.id), { recursive: true, force: true }),
  };
}
