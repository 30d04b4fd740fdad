import type { z } from 'zod';
import type { ConnectionTest, DiscoveredMachine } from '../../shared/api/index.ts';
import type { CaptureTypeName, CloudLogLevel } from '../../shared/model/capture-types.ts';
import type { MachineCommandType } from '../../shared/model/commands.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';
import type { PastJob } from './past-job.ts';
import type { SharedResources } from './shared-resources.ts';

/** What a poll hands back: the normalized snapshot, captures to store, machine log lines. */
export interface PollResult {
  snapshot: MachineSnapshot;
  captures: CollectorCapture[];
  logs?: MachineLogLine[];
}

/** A capture as a collector produces it: the raw vendor payload, untouched. */
export interface CollectorCapture {
  captureTypeName: CaptureTypeName;
  content: string | Buffer;
  /** e.g. `application/json` for a status document, `text/plain` for a log. */
  contentType: string;
  /** Device metadata sent as the capture's `meta` (Echo adds `echo_capture_id`). */
  meta?: Record<string, unknown>;
  /**
   * Captures with a key are deduplicated: one is stored only when its content changed or the
   * machine's `unchanged_capture_interval` passed. Without a key (log chunks, historic jobs) every
   * capture is stored.
   */
  dedupeKey?: string;
  /**
   * What counts as a change for deduplication, when not the whole content: e.g. state and job but
   * not temperatures that move every second. Defaults to the content.
   */
  significant?: string;
  /**
   * For captures read from a source that can be read again (a log file range, a past job): the
   * same key always means the same capture. After a crash between storing a capture and saving
   * the offset, the re-read capture is recognised and not stored (nor sent) twice.
   */
  idempotencyKey?: string;
  /** The finished jobs this capture stands for, normalized (the machine screen's job history). */
  pastJobs?: PastJob[];
}

export interface MachineLogLine {
  level: CloudLogLevel;
  timestamp: string;
  message: string;
  context?: Record<string, unknown>;
}

/**
 * The outcome of `testConnection`, in words an operator can act on: the local API's type (the
 * machine test route sends it as it is).
 */
export type { ConnectionTest } from '../../shared/api/index.ts';

/** Logging, as a collector sees it (a pino child bound to the machine). */
export interface CollectorLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Durable per-machine state (log offsets, watermarks), kept in the store. What a poll sets is saved
 * only once that poll's captures and logs are durable; a failed poll's settings are forgotten.
 */
export interface CollectorState {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/** What the scheduler gives each collector instance. Collectors keep no module-level state. */
export interface CollectorContext {
  machine: string;
  logger: CollectorLogger;
  credentials: { username?: string; password?: string };
  state: CollectorState;
  /**
   * A folder of this machine's own, never shared with another machine (certificates it trusts,
   * caches): `data_dir/machines/<name>-<hash of the exact name>`.
   */
  dataDir: string;
  /**
   * Echo's own PKI folder (`data_dir/pki`): its OPC UA client certificate and key, made once and
   * shared by every machine. The server certificates a machine trusts are in its `dataDir`.
   */
  pkiDir: string;
  /** Push-mode collectors call this when the machine sent news: the scheduler polls at once. */
  notify(): void;
  /** What Echo accepts from this machine: every byte read is bounded before it is parsed. */
  limits: MachineLimits;
  /**
   * Secrets this collector keeps for its machine (an application key the printer issued), in
   * Echo's secret store: never in the config, the store or a log.
   */
  secrets: MachineSecrets;
  /**
   * Objects shared by the machines of this collection (HTTP keep-alive pools, OPC UA certificate
   * stores), closed when it stops. SDK helpers take them from here, never from module state.
   */
  shared: SharedResources;
}

/** One machine's own entries in the secret store (see `CollectorContext.secrets`). */
export interface MachineSecrets {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

export interface MachineLimits {
  /** The largest HTTP body, MQTT message or frame (`machines[].max_message_mb`). */
  maxMessageBytes: number;
}

/** A past job (or a batch of them in one capture), as a history reader hands it over. */
export interface HistoricJob {
  /**
   * The watermark once this job is collected: sortable so that "newer than the watermark" means
   * greater (e.g. the finish time and job id, `2024-05-02T14:03:11Z#4711`). Also its identity.
   */
  reference: string;
  captureTypeName: CaptureTypeName;
  content: string | Buffer;
  contentType: string;
  meta?: Record<string, unknown>;
  /** How many past jobs this capture holds (a `.jobs` capture may carry a page); default 1. */
  jobCount?: number;
  /** Those jobs normalized, where the collector can (the machine screen's job history). */
  pastJobs?: PastJob[];
}

export interface HistoryPage {
  /** Oldest first, every reference greater than the `after` asked for. */
  jobs: HistoricJob[];
  /** True when more jobs remain after the last one. */
  more: boolean;
}

/**
 * One machine's connection. The scheduler calls `connect`, then `poll` at the machine's interval
 * (every call under a timeout, aborted through `signal`), and `close` on errors and at shutdown.
 * Push-mode collectors keep a subscription open and return their latest merged state from `poll`.
 */
export interface Collector {
  connect(signal: AbortSignal): Promise<void>;
  poll(signal: AbortSignal): Promise<PollResult>;
  close(): Promise<void>;
  /** Used by the add-machine wizard and the cloud's `check_configuration` command. */
  testConnection(signal: AbortSignal): Promise<ConnectionTest>;
  /**
   * Past jobs newer than `after` (a reference this reader returned before; undefined: from the
   * oldest), at most `limit`. Collectors with the `history` capability implement it; the core
   * drives the backfill, keeps the watermark and tells the cloud.
   */
  readHistory?(after: string | undefined, limit: number, signal: AbortSignal): Promise<HistoryPage>;
  /**
   * Carries out a remote command on the machine (only the types its definition lists in
   * `commands`), and resolves once the machine confirmed it (the state it went to, the reply it
   * sent). A command the machine's state does not allow (pause an idle machine) throws
   * `CommandRefused` without touching the machine; a failure to reach it, a `CollectorError`.
   */
  control?(command: MachineCommand, signal: AbortSignal): Promise<CommandResult>;
  /**
   * What the machine's state proves of a command that may or may not have reached it (Echo
   * stopped while it ran): a result when the state shows it took effect (the job is paused, the
   * new job prints), undefined when it cannot tell. Never sends anything to the machine.
   */
  verify?(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined>;
  /**
   * The printing presets the machine offers now (material and workflow, e.g. Photocentric's
   * "Durable DL110 HB Bottle Cap"): the core keeps the cloud's `/modeler-printing-preset/` list in
   * step with them. Collectors with the `presets` capability implement it.
   */
  readPresets?(signal: AbortSignal): Promise<PrintingPreset[]>;
}

/** A printing preset as a machine lists it. */
export interface PrintingPreset {
  /** Unique on the machine; the cloud's `name`, and what `start_job`'s `printing_preset` names. */
  name: string;
  /** A one-line summary (e.g. the process steps), the cloud's `description`. */
  description?: string;
  /** The machine's own details of the preset, sent as the cloud's `preset_list`. */
  details?: Array<Record<string, unknown>>;
}

/** A remote command as a collector receives it (docs/commands.md). */
export interface MachineCommand {
  type: MachineCommandType;
  /** The job the command is about, in the machine's own id (`job_external_id`). */
  jobExternalId?: string;
  /**
   * `start_job`: the downloaded job file and its name (in `verify` after a restart, the name
   * only: `path` is empty, the file is gone).
   */
  file?: { path: string; name: string };
  /** `start_job`: the printing preset to apply where the machine has presets. */
  printingPreset?: string;
}

/** What the machine answered: a sentence for people, and its reply, sent to the cloud as JSON. */
export interface CommandResult {
  message: string;
  reply: Record<string, unknown>;
}

export type Protocol = 'http' | 'mqtt' | 'opcua' | 'serial' | 'tcp' | 'files';
export type Capability = 'status' | 'jobs' | 'history' | 'logs' | 'push' | 'discovery' | 'presets';

/** What the cloud's `/modeler/` says about a machine that a collector can connect with. */
export interface CloudModelerFields {
  /** `ip_address` as the cloud has it; may carry a port (`10.0.0.5:8080`). */
  host: string;
  port: number | undefined;
  serialNumber: string | undefined;
}

/**
 * A machine found on the network, ready to fill the add-machine wizard: the local API's type (the
 * discover route sends it as it is). Its `connection` is a `machines[].connection` to start from
 * (certificates still to be accepted).
 */
export type { DiscoveredMachine } from '../../shared/api/index.ts';

/** Makes a machine's collector from its validated connection; does no I/O. */
export type CollectorFactory<C = unknown> = (connection: C, ctx: CollectorContext) => Collector;

/**
 * A vendor plugin: declarative metadata, and its code loaded on demand (`load`), so that an agent
 * loads the protocol libraries (node-opcua, mqtt, serialport) of the vendors its machines use only.
 */
export interface CollectorDefinition<C = unknown> {
  /** kebab-case, the `machines[].collector` value. */
  id: string;
  vendor: string;
  models: string;
  protocol: Protocol;
  captureTypes: readonly CaptureTypeName[];
  capabilities: readonly Capability[];
  /**
   * The remote commands its `control` carries out (the capability matrix); `check_configuration`
   * is every collector's, through `testConnection`.
   */
  commands?: readonly MachineCommandType[];
  /** Validates `machines[].connection`; errors name the option path. */
  connectionSchema: z.ZodType<C>;
  /**
   * The connection of a machine the cloud knows (`GET /modeler/`), from its address and serial
   * number; undefined when the cloud's fields are not enough (a log folder, say).
   */
  fromModeler?(modeler: CloudModelerFields): Record<string, unknown> | undefined;
  /** Listens or asks on the local network for `ms` (mDNS, SSDP, vendor broadcasts). */
  discover?(ms: number): Promise<DiscoveredMachine[]>;
  /**
   * Imports the collector's code (`await import('./collector.ts')`) and returns its factory. The
   * metadata, the connection schema and `discover` must not import it.
   */
  load(): Promise<CollectorFactory<C>>;
}

/**
 * Declares a collector. The registry holds definitions of every vendor side by side, so the
 * connection type is erased here, safely: the erased factory validates its input against the
 * collector's own schema first. The code is loaded once, on the first `load`.
 */
export function defineCollector<C>(definition: CollectorDefinition<C>): CollectorDefinition<unknown> {
  let loading: Promise<CollectorFactory> | undefined;
  return {
    ...definition,
    connectionSchema: definition.connectionSchema as z.ZodType<unknown>,
    load: () => {
      loading ??= definition.load().then(
        (create): CollectorFactory =>
          (connection, ctx) =>
            create(definition.connectionSchema.parse(connection), ctx),
      );
      return loading;
    },
  };
}
