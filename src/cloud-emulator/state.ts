import { EmulatorAddresses } from './addresses.ts';
import { CommandStore } from './command-store.ts';
import { IdentityStore } from './identity-store.ts';
import { type JobFileInput, type JobFileRecord, JobFileStore } from './job-file-store.ts';
import { MachineRegistry } from './machine-registry.ts';

// The records of the per-family stores, importable from here as before the stores were split out.
export type { CommandRecord, PresetRecord } from './command-store.ts';
export type { EmulatorUser } from './identity-store.ts';
export type { JobFileInput, JobFileRecord } from './job-file-store.ts';

export interface CaptureRecord {
  uuid: string;
  uri: string;
  modeler: string | null;
  addiguru_installation: string | null;
  capture_type_name: string;
  printer_names: string[];
  meta: Record<string, unknown> & { echo_capture_id: string };
  status: 'new' | 'processing' | 'batch_processing' | 'complete' | 'failed';
  created: string;
  updated: string;
  uploadToken: string;
  content?: Buffer;
  contentType?: string;
  uploads: number;
  /** When the last upload of its content was received (epoch ms). */
  uploadedAt?: number;
}

/**
 * An entry of `GET /installer/` (seed 002) and the file its `download` link serves
 * (routes-installer.ts). Tests push them: `emulator.state.installers.push({...})`.
 */
export interface InstallerRecord {
  installer: 'AuthentiseUpdate' | 'CatalystSlicer' | 'Echo' | 'StreamicsConnector';
  platform: 'mac' | 'windows';
  architecture: 'x86' | 'amd64';
  type: 'exe' | 'msi';
  version: string;
  /** The installer's bytes. */
  content: Buffer;
  /**
   * Emulator extension (Echo's, docs/cloud-contract-choices.md): the hex sha256 the entry shows.
   * Default (absent): the content's; null: the entry shows none (as the seed's); a string: shown as
   * given (a test's wrong checksum).
   */
  sha256?: string | null;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  at: number;
}

/**
 * Everything the emulator has stored, in memory. Tests read it to check what reached the cloud
 * (`captureCountsByEchoId` is the exactly-once check); `GET /_emulator/state` reports a summary.
 *
 * Each family of resources lives in its own store (addresses, identity, machines, commands and
 * presets, job files); this class composes them and exposes their fields and methods under the
 * names the routes and tests have always used, and keeps the captures, logs and request log itself.
 */
export class EmulatorState {
  private readonly addresses = new EmulatorAddresses();
  private readonly identity: IdentityStore;
  private readonly machines = new MachineRegistry(this.addresses);
  private readonly commandStore = new CommandStore(this.addresses);
  private readonly jobFiles = new JobFileStore(this.addresses);

  readonly bureauUuid = this.addresses.bureauUuid;
  readonly users: IdentityStore['users'];
  readonly sessions: IdentityStore['sessions'];
  readonly tokens: IdentityStore['tokens'];
  readonly eccos = new Map<string, Record<string, unknown> & { uri: string; enabled: boolean }>();
  readonly logBatches: Array<{ echo_version: string; workstation_name: string; logs: unknown[] }> = [];
  readonly modelers = this.machines.modelers;
  /** `/addiguru-installation/`: Addiguru hubs (seed 6.1), and every health the agent PUT. */
  readonly addiguruInstallations = this.machines.addiguruInstallations;
  readonly addiguruHealthReports = this.machines.addiguruHealthReports;
  readonly modelerTypes = this.machines.modelerTypes;
  readonly captures = new Map<string, CaptureRecord>();
  readonly capturesByEchoId = new Map<string, CaptureRecord>();
  readonly commands = this.commandStore.commands;
  /** Every accepted status report of a command, in order (tests: reported once, processing first). */
  readonly commandReports = this.commandStore.commandReports;
  readonly requests: RequestRecord[] = [];
  readonly buildFiles = this.jobFiles.buildFiles;
  /** `/modeler-printing-preset/` resources, by uuid. */
  readonly presets = this.commandStore.presets;
  readonly machineJobFiles = this.jobFiles.machineJobFiles;
  /** `GET /installer/`'s entries (routes-installer.ts). */
  readonly installers: InstallerRecord[] = [];
  /** How long an installer's `download` link stays valid (the seed: one hour). */
  installerLinkTtlMs = 60 * 60_000;
  duplicateCapturePosts = 0;
  /**
   * A second `POST /capture/` with an `echo_capture_id` the emulator has: `accept` answers 201 with
   * the first capture (the default), `conflict` answers 409 (EmulatorOptions.duplicateCaptures).
   */
  duplicateCaptures: 'accept' | 'conflict' = 'accept';
  /** False: `workstation_name` is dropped on `POST /ecco/` and not filtered on (EmulatorOptions). */
  keepsWorkstationName = true;
  /**
   * True: `POST /capture/` answers 201 without `X-Upload-Location`, so the agent must take the
   * upload URL from the capture's `content_upload` (EmulatorOptions.omitUploadLocation).
   */
  omitUploadLocation = false;
  /** Connections the fault plan reset (they never finish, so `requests` cannot show them). */
  resets = 0;
  /**
   * Called when a capture's content has been received (after the body is read, before the reply):
   * benchmarks time the way from a machine's change to the cloud with it.
   */
  onUpload: ((capture: CaptureRecord) => void) | undefined;

  constructor(users: ReadonlyArray<{ username: string; password: string }>) {
    this.identity = new IdentityStore(users);
    this.users = this.identity.users;
    this.sessions = this.identity.sessions;
    this.tokens = this.identity.tokens;
  }

  /** How long a `content` link handed out by a GET stays valid (EmulatorOptions.jobFileLinkTtlMs). */
  get jobFileLinkTtlMs(): number {
    return this.jobFiles.linkTtlMs;
  }

  set jobFileLinkTtlMs(ms: number) {
    this.jobFiles.linkTtlMs = ms;
  }

  /**
   * Awaited by the download route before it checks the link (tests: a download that arrives after
   * the link expired, as over a slow connection).
   */
  get beforeJobFileDownload(): JobFileStore['beforeDownload'] {
    return this.jobFiles.beforeDownload;
  }

  set beforeJobFileDownload(hook: JobFileStore['beforeDownload']) {
    this.jobFiles.beforeDownload = hook;
  }

  setBase(base: string): void {
    this.addresses.setBase(base);
  }

  url(path: string): string {
    return this.addresses.url(path);
  }

  get bureauUri(): string {
    return this.addresses.bureauUri;
  }

  issueToken(...args: Parameters<IdentityStore['issueToken']>) {
    return this.identity.issueToken(...args);
  }

  addModelerType(...args: Parameters<MachineRegistry['addModelerType']>) {
    return this.machines.addModelerType(...args);
  }

  addModeler(fields: Parameters<MachineRegistry['addModeler']>[0]) {
    return this.machines.addModeler(fields);
  }

  /** An Addiguru hub as the MES keeps it; `health` starts `unknown` (the seed's default). */
  addAddiguruInstallation(fields: Parameters<MachineRegistry['addAddiguruInstallation']>[0]) {
    return this.machines.addAddiguruInstallation(fields);
  }

  addCommand(fields: Parameters<CommandStore['addCommand']>[0]) {
    return this.commandStore.addCommand(fields);
  }

  /** Adds a `/build-file/` (default: `complete`, `virus_scan: passed`). */
  addBuildFile(input: JobFileInput): JobFileRecord {
    return this.jobFiles.addBuildFile(input);
  }

  /** Adds a `/machine-job-file/` (the seed shows no scan state for them: its bytes are always served). */
  addMachineJobFile(input: JobFileInput): JobFileRecord {
    return this.jobFiles.addMachineJobFile(input);
  }

  /** A build-file's bytes may be served: processed and scanned clean. A machine-job-file's always. */
  jobFileServable(file: JobFileRecord): boolean {
    return this.jobFiles.servable(file);
  }

  /**
   * The resource as a GET or LIST shows it, with a fresh `content` link valid `jobFileLinkTtlMs`
   * (null while the file may not be served).
   */
  publicJobFile(file: JobFileRecord): Record<string, unknown> {
    return this.jobFiles.publicView(file);
  }

  /** How many capture resources exist per echo_capture_id that received content (exactly-once check). */
  uploadedCaptureIds(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const capture of this.captures.values()) {
      if (capture.content === undefined) continue;
      const id = capture.meta.echo_capture_id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  summary() {
    const captures = [...this.captures.values()];
    return {
      eccos: [...this.eccos.values()],
      log_batches: this.logBatches.length,
      log_entries: this.logBatches.reduce((n, b) => n + b.logs.length, 0),
      captures: captures.length,
      captures_uploaded: captures.filter((c) => c.content !== undefined).length,
      duplicate_capture_posts: this.duplicateCapturePosts,
      resets: this.resets,
      modelers: [...this.modelers.values()],
      commands: [...this.commands.values()],
      job_files: this.jobFiles.summary(),
      requests: this.requests.length,
    };
  }

  recordRequest(record: RequestRecord): void {
    this.requests.push(record);
    // Bounded: a long demo must not grow without limit.
    if (this.requests.length > 200_000) this.requests.splice(0, 100_000);
  }
}
