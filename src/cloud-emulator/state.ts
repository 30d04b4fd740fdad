import { randomBytes, randomUUID } from 'node:crypto';

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
  readonly modelerTypes = new Map<string, Record<string, unknown> & { uri: string }>();
  readonly captures = new Map<string, CaptureRecord>();
  readonly capturesByEchoId = new Map<string, CaptureRecord>();
  readonly commands = new Map<string, CommandRecord>();
  /** Every accepted status report of a command, in order (tests: reported once, processing first). */
  readonly commandReports: Array<{ uuid: string; status: string }> = [];
  readonly requests: RequestRecord[] = [];
  duplicateCapturePosts = 0;
  /** False: `workstation_name` is dropped on `POST /ecco/` and not filtered on (EmulatorOptions). */
  keepsWorkstationName = true;
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
      requests: this.requests.length,
    };
  }

  recordRequest(record: RequestRecord): void {
    this.requests.push(record);
    // Bounded: a long demo must not grow without limit.
    if (this.requests.length > 200_000) this.requests.splice(0, 100_000);
  }
}
