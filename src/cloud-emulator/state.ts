import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface EmulatorUser {
  uuid: string;
  username: string;
  password: string;
  name: string;
}

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

export interface CommandRecord {
  uuid: string;
  uri: string;
  type: string;
  modeler: string;
  status: 'new' | 'processing' | 'complete' | 'error';
  response: string | null;
  created: string;
  updated: string;
  [field: string]: unknown;
}

/** A file the MES hands to Echo: a `/build-file/` or a `/machine-job-file/` (contract: "Commands"). */
export interface JobFileRecord {
  uuid: string;
  uri: string;
  kind: 'build-file' | 'machine-job-file';
  /** The suggested file name (a machine-job-file has one only when a test gave it). */
  name: string | null;
  /** build-file only: `pending|processing|complete|error` (tests may change it at any time). */
  status: 'pending' | 'processing' | 'complete' | 'error';
  /** build-file only: `unscanned|passed|quarantined` (tests may change it at any time). */
  virus_scan: 'unscanned' | 'passed' | 'quarantined';
  format: 'stl' | '3mf' | 'zip' | 'gcode' | 'crs' | null;
  /** What the resource says (a test may make it lie); the bytes served are `data`. */
  file_size: number;
  /** Emulator extension, not in the seed: the hex sha256 the resource shows; null: not shown. */
  sha256: string | null;
  error: string | null;
  created: string;
  updated: string;
  data: Buffer;
  /** Download links handed out: token -> expiry (epoch ms). */
  links: Map<string, number>;
  /** Downloads that were answered with the file's bytes (a refused one does not count). */
  downloads: number;
  /** Download requests of any outcome (expired links included). */
  downloadAttempts: number;
}

export interface PresetRecord {
  uuid: string;
  uri: string;
  name: string;
  description: string;
  modeler: string;
  bureau: string;
  active: boolean;
  preset_list: Array<Record<string, unknown>>;
  created: string;
  updated: string;
  [field: string]: unknown;
}

export interface JobFileInput {
  name?: string | null;
  content: Buffer;
  virus_scan?: JobFileRecord['virus_scan'];
  status?: JobFileRecord['status'];
  format?: JobFileRecord['format'];
  /** Default: the content's length. */
  file_size?: number;
  /** Default: the content's sha256; null: the resource shows no checksum (as the seed's). */
  sha256?: string | null;
  error?: string | null;
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
 */
export class EmulatorState {
  readonly bureauUuid = randomUUID();
  readonly users = new Map<string, EmulatorUser>();
  readonly sessions = new Map<string, EmulatorUser>();
  readonly tokens = new Map<string, { secret: string; user: EmulatorUser; name: string }>();
  readonly eccos = new Map<string, Record<string, unknown> & { uri: string; enabled: boolean }>();
  readonly logBatches: Array<{ echo_version: string; workstation_name: string; logs: unknown[] }> = [];
  readonly modelers = new Map<string, Record<string, unknown> & { uri: string; name: string }>();
  /** `/addiguru-installation/`: Addiguru hubs (seed 6.1), and every health the agent PUT. */
  readonly addiguruInstallations = new Map<string, Record<string, unknown> & { uri: string; name: string }>();
  readonly addiguruHealthReports: Array<{ uri: string; health: string }> = [];
  readonly modelerTypes = new Map<string, Record<string, unknown> & { uri: string }>();
  readonly captures = new Map<string, CaptureRecord>();
  readonly capturesByEchoId = new Map<string, CaptureRecord>();
  readonly commands = new Map<string, CommandRecord>();
  /** Every accepted status report of a command, in order (tests: reported once, processing first). */
  readonly commandReports: Array<{ uuid: string; status: string }> = [];
  readonly requests: RequestRecord[] = [];
  readonly buildFiles = new Map<string, JobFileRecord>();
  /** `/modeler-printing-preset/` resources, by uuid. */
  readonly presets = new Map<string, PresetRecord>();
  readonly machineJobFiles = new Map<string, JobFileRecord>();
  /** `GET /installer/`'s entries (routes-installer.ts). */
  readonly installers: InstallerRecord[] = [];
  /** How long an installer's `download` link stays valid (the seed: one hour). */
  installerLinkTtlMs = 60 * 60_000;
  /** How long a `content` link handed out by a GET stays valid (EmulatorOptions.jobFileLinkTtlMs). */
  jobFileLinkTtlMs = 5 * 60_000;
  /**
   * Awaited by the download route before it checks the link (tests: a download that arrives after
   * the link expired, as over a slow connection).
   */
  beforeJobFileDownload: ((file: JobFileRecord) => Promise<void> | void) | undefined;
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
  private base = '';

  constructor(users: ReadonlyArray<{ username: string; password: string }>) {
    for (const user of users) {
      const record = {
        uuid: randomUUID(),
        username: user.username,
        password: user.password,
        name: user.username,
      };
      this.users.set(user.username, record);
    }
  }

  setBase(base: string): void {
    this.base = base.replace(/\/$/, '');
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  get bureauUri(): string {
    return this.url(`/bureau/${this.bureauUuid}/`);
  }

  issueToken(user: EmulatorUser, name: string, fixed?: { uuid: string; secret: string }) {
    const token = fixed ?? { uuid: randomUUID(), secret: randomBytes(24).toString('hex') };
    this.tokens.set(token.uuid, { secret: token.secret, user, name });
    return { uuid: token.uuid, secret: token.secret, name, user_uuid: user.uuid };
  }

  addModelerType(name: string, captureTypes: string[], manufacturer = 'Emulated') {
    const uuid = randomUUID();
    const type = {
      uri: this.url(`/modeler-type/${uuid}/`),
      name,
      manufacturer,
      technology: 'NA',
      description: '',
      capture_types: captureTypes.map((capture_type) => ({ capture_type })),
    };
    this.modelerTypes.set(uuid, type);
    return type;
  }

  addModeler(fields: {
    name: string;
    type?: string;
    ip_address?: string;
    serial_number?: string;
    username?: string;
    password?: string;
    history_collection_frequency?: string;
  }) {
    const uuid = randomUUID();
    const modeler = {
      uri: this.url(`/modeler/${uuid}/`),
      name: fields.name,
      type: fields.type ?? null,
      ip_address: fields.ip_address ?? null,
      serial_number: fields.serial_number ?? null,
      username: fields.username ?? null,
      password: fields.password ?? null,
      watermark: null,
      history_collection_frequency: fields.history_collection_frequency ?? 'never',
      status: 'unknown',
      connected: true,
      error: null,
      latest_upload: null,
      updated: new Date().toISOString(),
    };
    this.modelers.set(uuid, modeler);
    return modeler;
  }

  /** An Addiguru hub as the MES keeps it; `health` starts `unknown` (the seed's default). */
  addAddiguruInstallation(fields: { name: string; ip_address?: string; username?: string }) {
    const uuid = randomUUID();
    const now = new Date().toISOString();
    const installation = {
      uri: this.url(`/addiguru-installation/${uuid}/`),
      name: fields.name,
      bureau: this.url(`/bureau/${this.bureauUuid}/`),
      ecco: null,
      health: 'unknown',
      health_check_on: null,
      ip_address: fields.ip_address ?? null,
      username: fields.username ?? null,
      password: null,
      archived: null,
      created: now,
      updated: now,
    };
    this.addiguruInstallations.set(uuid, installation);
    return installation;
  }

  addCommand(fields: Record<string, unknown> & { type: string; modeler: string }): CommandRecord {
    const uuid = randomUUID();
    const now = new Date().toISOString();
    const command: CommandRecord = {
      ...fields,
      uuid,
      uri: this.url(`/modeler-command/${uuid}/`),
      bureau: this.bureauUri,
      status: 'new',
      response: null,
      created: now,
      updated: now,
    };
    this.commands.set(uuid, command);
    return command;
  }

  /** Adds a `/build-file/` (default: `complete`, `virus_scan: passed`). */
  addBuildFile(input: JobFileInput): JobFileRecord {
    return this.addJobFile('build-file', input);
  }

  /** Adds a `/machine-job-file/` (the seed shows no scan state for them: its bytes are always served). */
  addMachineJobFile(input: JobFileInput): JobFileRecord {
    return this.addJobFile('machine-job-file', input);
  }

  private addJobFile(kind: JobFileRecord['kind'], input: JobFileInput): JobFileRecord {
    const uuid = randomUUID();
    const now = new Date().toISOString();
    const file: JobFileRecord = {
      uuid,
      uri: this.url(`/${kind}/${uuid}/`),
      kind,
      name: input.name ?? null,
      status: input.status ?? 'complete',
      virus_scan: input.virus_scan ?? 'passed',
      format: input.format ?? null,
      file_size: input.file_size ?? input.content.length,
      sha256:
        input.sha256 === undefined ? createHash('sha256').update(input.content).digest('hex') : input.sha256,
      error: input.error ?? null,
      created: now,
      updated: now,
      data: input.content,
      links: new Map(),
      downloads: 0,
      downloadAttempts: 0,
    };
    (kind === 'build-file' ? this.buildFiles : this.machineJobFiles).set(uuid, file);
    return file;
  }

  /** A build-file's bytes may be served: processed and scanned clean. A machine-job-file's always. */
  jobFileServable(file: JobFileRecord): boolean {
    return file.kind === 'machine-job-file' || (file.status === 'complete' && file.virus_scan === 'passed');
  }

  /**
   * The resource as a GET or LIST shows it, with a fresh `content` link valid `jobFileLinkTtlMs`
   * (null while the file may not be served). Expired links are forgotten here, so they stay few.
   */
  publicJobFile(file: JobFileRecord): Record<string, unknown> {
    const now = Date.now();
    for (const [token, expires] of file.links) if (expires <= now) file.links.delete(token);
    let content: string | null = null;
    if (this.jobFileServable(file)) {
      const token = randomBytes(16).toString('hex');
      file.links.set(token, now + this.jobFileLinkTtlMs);
      content = this.url(`/_files/${file.uuid}?token=${token}`);
    }
    const checksum = file.sha256 === null ? {} : { sha256: file.sha256 };
    if (file.kind === 'machine-job-file') {
      return {
        uri: file.uri,
        bureau: this.bureauUri,
        content,
        ...(file.name ? { name: file.name } : {}),
        ...checksum,
      };
    }
    return {
      uri: file.uri,
      bureau: this.bureauUri,
      name: file.name,
      content,
      file_size: file.file_size,
      file_unit: 'mm',
      format: file.format,
      status: file.status,
      virus_scan: file.virus_scan,
      error: file.error,
      archived: null,
      notes: null,
      layout: null,
      printer_type: null,
      run: null,
      snapshot_content: null,
      source_build_file: null,
      upload_location: null,
      user: null,
      created: file.created,
      updated: file.updated,
      ...checksum,
    };
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
      job_files: [...this.buildFiles.values(), ...this.machineJobFiles.values()].map((f) => ({
        uri: f.uri,
        name: f.name,
        status: f.status,
        virus_scan: f.virus_scan,
        file_size: f.file_size,
        downloads: f.downloads,
        download_attempts: f.downloadAttempts,
      })),
      requests: this.requests.length,
    };
  }

  recordRequest(record: RequestRecord): void {
    this.requests.push(record);
    // Bounded: a long demo must not grow without limit.
    if (this.requests.length > 200_000) this.requests.splice(0, 100_000);
  }
}
