import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { digestResponse, parseDigestParams } from '../../sdk/http-digest.ts';

export type UltimakerFault = 'silence' | 'garbage' | 'reboot' | null;

/** The printer's Digest realm (its local API server calls itself "Jedi"). */
export const REALM = 'Jedi-API';

/** A write that passed Digest authentication, in the order received. */
export interface ReceivedCommand {
  method: 'PUT' | 'POST';
  path: string;
  /** `PUT /print_job/state`: the `target` asked for. */
  target?: string;
  /** `POST /print_job`: the uploaded file. */
  file?: { name: string; size: number; sha256: string };
  /** The answer's status. */
  status: number;
}

interface ApplicationEntry {
  key: string;
  application: string;
  user: string;
  status: 'pending' | 'authorized' | 'refused';
}

/** The largest authentication request read (two short form fields). */
const MAX_FORM_BYTES = 4096;

interface Job {
  name: string;
  uuid: string;
  total: number;
  elapsed: number;
  paused: boolean;
  started: string;
}

/**
 * An Ultimaker S5 as its local API shows it, on a real HTTP server: a job from start to finish
 * (heating, printing, pause, resume, finish or abort), an error state, history events, and the
 * faults a shop sees (a printer that stops answering, answers garbage, or reboots). `speed`
 * simulated seconds pass per real second, so a two-hour print can run in a test.
 */
export class UltimakerSimulator {
  private job: Job | undefined;
  private status: 'idle' | 'printing' | 'error' | 'maintenance' | 'booting' = 'idle';
  private fault: UltimakerFault = null;
  private readonly events: Array<{ time: string; type_id: number; message: string }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private lastTick = Date.now();
  private bed = 22;
  private nozzle = 22;
  readonly guid = randomUUID();
  private mdns: import('node:dgram').Socket | undefined;
  /** Requests answered (or held, when silent) since start: benchmarks count the load on the printer. */
  requests = 0;
  /** Authenticated writes (state changes, uploads), in order: tests count what reached the printer. */
  readonly commandsReceived: ReceivedCommand[] = [];
  /** Application keys asked for (`POST /auth/request`). */
  authRequests = 0;
  /** Writes refused with a 401 (no, stale or wrong Digest answer). */
  unauthorizedWrites = 0;
  private readonly applications = new Map<string, ApplicationEntry>();
  /** Nonces handed out, with the highest `nc` used with each (a replay is refused). */
  private readonly nonces = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly speed: number,
    readonly name: string,
    private readonly options: SimulatorOptions,
  ) {}

  static async start(options: SimulatorOptions = {}): Promise<UltimakerSimulator> {
    let sim: UltimakerSimulator | undefined;
    const server = createServer((req, res) => sim!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
    sim = new UltimakerSimulator(
      server,
      (server.address() as AddressInfo).port,
      options.speed ?? 1,
      options.name ?? 'ultimaker-s5',
      options,
    );
    server.on('connection', (socket) => {
      sim!.sockets.add(socket);
      socket.on('close', () => sim!.sockets.delete(socket));
    });
    return sim;
  }

  /** Answers DNS-SD queries for `_ultimaker._tcp.local` as the printer's mDNS responder does. */
  async startMdnsResponder(): Promise<number> {
    const { createSocket } = await import('node:dgram');
    const { serviceResponse } = await import('../../sdk/mdns.ts');
    const socket = createSocket('udp4');
    socket.on('message', (query, from) => {
      if (!query.includes(Buffer.from('_ultimaker'))) return;
      const answer = serviceResponse({
        service: '_ultimaker._tcp.local',
        instance: `${this.name}._ultimaker._tcp.local`,
        host: `${this.name}.local`,
        port: this.port,
        address: '127.0.0.1',
        txt: { name: this.name, machine: '9051.0', firmware_version: '5.8.2.20231212', type: 'printer' },
      });
      socket.send(answer, from.port, from.address);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    this.mdns = socket;
    return socket.address().port;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Whether a job is on the printer. */
  get busy(): boolean {
    this.advance();
    return this.job !== undefined;
  }

  startJob(name: string, durationSeconds: number): string {
    this.advance();
    this.job = {
      name,
      uuid: randomUUID(),
      total: durationSeconds,
      elapsed: 0,
      paused: false,
      started: new Date().toISOString(),
    };
    this.status = 'printing';
    this.event(0x20001, `Print job ${name} started`);
    return this.job.uuid;
  }

  pause(): void {
    this.advance();
    if (this.job) this.job.paused = true;
    this.event(0x20003, 'Print job paused');
  }

  resume(): void {
    this.advance();
    if (this.job) this.job.paused = false;
    this.event(0x20004, 'Print job resumed');
  }

  /** The job aborted from the printer: it ends at once and the printer is idle again. */
  abort(): void {
    this.advance();
    if (!this.job) return;
    this.event(0x20005, `Print job ${this.job.name} aborted`);
    this.job = undefined;
    this.status = 'idle';
  }

  /** The operator presses "allow" for every waiting application-key request. */
  approvePendingKeys(): number {
    return this.decidePending('authorized');
  }

  /** The operator presses "deny" for every waiting application-key request. */
  refusePendingKeys(): number {
    return this.decidePending('refused');
  }

  /** Requests waiting for the operator's answer. */
  get pendingKeys(): number {
    return [...this.applications.values()].filter((a) => a.status === 'pending').length;
  }

  /** Every key the printer issued (tests check that none leaks into what Echo stores or sends). */
  keysIssued(): string[] {
    return [...this.applications.values()].map((a) => a.key);
  }

  /** Every approved key revoked (the printer's "forget authorized applications"). */
  revokeKeys(): void {
    for (const [id, entry] of this.applications)
      if (entry.status === 'authorized') this.applications.delete(id);
  }

  private decidePending(status: 'authorized' | 'refused'): number {
    let decided = 0;
    for (const entry of this.applications.values()) {
      if (entry.status !== 'pending') continue;
      entry.status = status;
      decided++;
    }
    return decided;
  }

  /** The printer stops with an error (e.g. a flow sensor), keeping the job. */
  fail(message = 'Flow sensor error on extruder 1'): void {
    this.advance();
    this.status = 'error';
    this.event(0x10001, message);
  }

  clearError(): void {
    this.status = this.job ? 'printing' : 'idle';
  }

  setFault(fault: UltimakerFault): void {
    this.fault = fault;
    if (fault !== 'silence') {
      for (const res of this.hanging) res.destroy();
      this.hanging.clear();
    }
  }

  /** A reboot: connections refused for `ms`, then the printer answers again, idle, job lost. */
  async reboot(ms: number): Promise<void> {
    await this.closeServer();
    this.job = undefined;
    this.status = 'idle';
    await new Promise((r) => setTimeout(r, ms));
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', () => resolve()));
    this.event(0x1, 'Printer started');
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const res of this.hanging) res.destroy();
    this.mdns?.close();
    await this.closeServer();
  }

  private async closeServer(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  /** Moves simulated time forward to now: job progress, temperatures, the end of the job. */
  private advance(): void {
    const now = Date.now();
    const seconds = ((now - this.lastTick) / 1000) * this.speed;
    this.lastTick = now;
    const printing = this.status === 'printing' && this.job && !this.job.paused;
    const approach = (current: number, target: number) =>
      current + (target - current) * Math.min(1, seconds / 30);
    this.bed = approach(this.bed, printing ? 60 : 22);
    this.nozzle = approach(this.nozzle, printing ? 210 : 22);
    if (printing && this.job) {
      this.job.elapsed = Math.min(this.job.total, this.job.elapsed + seconds);
      if (this.job.elapsed >= this.job.total) {
        this.event(0x20002, `Print job ${this.job.name} finished`);
        this.job = undefined;
        this.status = 'idle';
      }
    }
  }

  private event(typeId: number, message: string): void {
    this.events.push({
      time: new Date(Date.now() + this.events.length).toISOString(),
      type_id: typeId,
      message,
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    if (this.fault === 'silence') {
      this.hanging.add(res);
      return;
    }
    if (this.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "idl');
      return;
    }
    this.advance();
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path.startsWith('/api/v1/auth/')) {
      this.authGet(req, res, path);
      return;
    }
    if (method === 'GET') {
      const [status, document] = this.route(path);
      json(res, status, document);
      return;
    }
    this.write(req, res, method, path).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) }, true);
      else res.destroy();
    });
  }

  /** `GET /auth/check/<id>` and `GET /auth/verify`. */
  private authGet(req: IncomingMessage, res: ServerResponse, path: string): void {
    const checkPrefix = '/api/v1/auth/check/';
    if (path.startsWith(checkPrefix)) {
      const entry = this.applications.get(decodeURIComponent(path.slice(checkPrefix.length)));
      // Waiting for the operator, or an id the printer does not know: both "unknown".
      const message =
        entry?.status === 'authorized'
          ? 'authorized'
          : entry?.status === 'refused'
            ? 'unauthorized'
            : 'unknown';
      json(res, 200, { message });
      return;
    }
    if (path === '/api/v1/auth/verify') {
      if (this.authenticated(req, 'GET')) json(res, 200, { message: 'ok' });
      else this.challenge(res);
      return;
    }
    json(res, 404, { message: 'Not found' });
  }

  /** The POST and PUT endpoints: the key request, and the writes that need Digest. */
  private async write(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    if (method === 'POST' && path === '/api/v1/auth/request') {
      const body = await readBody(req, MAX_FORM_BYTES);
      if (!body) return tooLarge(res);
      const form = parseForm(body, req.headers['content-type']);
      const application = form.get('application');
      const user = form.get('user');
      if (!application || !user) return json(res, 400, { message: 'application and user are required' });
      this.authRequests++;
      const id = randomBytes(16).toString('hex');
      const key = randomBytes(32).toString('hex');
      this.applications.set(id, { key, application, user, status: 'pending' });
      if (this.options.autoApproveMs !== undefined) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          const entry = this.applications.get(id);
          if (entry?.status === 'pending') entry.status = 'authorized';
        }, this.options.autoApproveMs);
        this.timers.add(timer);
      }
      return json(res, 200, { id, key });
    }
    const writes = ['PUT /api/v1/print_job/state', 'POST /api/v1/print_job'];
    if (!writes.includes(`${method} ${path}`)) return json(res, 405, { message: 'Method not allowed' }, true);
    // Credentials first, before a byte of the body is read (as the printer's server does).
    if (!this.authenticated(req, method)) {
      this.unauthorizedWrites++;
      return this.challenge(res);
    }
    if (method === 'PUT') {
      const body = await readBody(req, MAX_FORM_BYTES);
      if (!body) return tooLarge(res);
      let target: unknown;
      try {
        target = (JSON.parse(body.toString('utf8')) as { target?: unknown }).target;
      } catch {
        return json(res, 400, { message: 'invalid JSON' });
      }
      const status = this.changeJobState(target);
      this.commandsReceived.push({ method: 'PUT', path, target: String(target), status: status[0] });
      return json(res, status[0], status[1]);
    }
    const body = await readBody(req, this.options.maxUploadBytes ?? 64 * 1024 * 1024);
    if (!body) return tooLarge(res);
    const file = parseMultipartFile(body, req.headers['content-type']);
    if (!file) return json(res, 400, { message: 'no file in the upload' });
    const received = {
      name: file.name,
      size: file.data.length,
      sha256: createHash('sha256').update(file.data).digest('hex'),
    };
    if (this.job || this.status !== 'idle') {
      this.commandsReceived.push({ method: 'POST', path, file: received, status: 405 });
      return json(res, 405, { message: 'Printer is busy' });
    }
    const dot = file.name.toLowerCase().endsWith('.gcode.gz')
      ? file.name.length - 9
      : file.name.lastIndexOf('.');
    this.startJob(dot > 0 ? file.name.slice(0, dot) : file.name, this.options.uploadedJobSeconds ?? 600);
    this.commandsReceived.push({ method: 'POST', path, file: received, status: 201 });
    return json(res, 201, { message: 'Print job created' });
  }

  /** `PUT /print_job/state {"target": …}`: the status and answer. */
  private changeJobState(target: unknown): [number, unknown] {
    if (!this.job) return [404, { message: 'No print job' }];
    if (target === 'pause' && !this.job.paused) this.pause();
    else if (target === 'print' && this.job.paused) this.resume();
    else if (target === 'abort') this.abort();
    else if (target !== 'pause' && target !== 'print') return [400, { message: 'Invalid target' }];
    return [204, undefined];
  }

  /** Whether the request carries a correct Digest answer (MD5, qop=auth) with an approved key. */
  private authenticated(req: IncomingMessage, method: string): boolean {
    const fields = parseDigestParams(req.headers.authorization);
    if (!fields) return false;
    const id = fields.get('username') ?? '';
    const entry = this.applications.get(id);
    const nonce = fields.get('nonce') ?? '';
    const lastNc = this.nonces.get(nonce);
    const ncText = fields.get('nc') ?? '';
    const nc = Number.parseInt(ncText, 16);
    if (
      entry?.status !== 'authorized' ||
      fields.get('realm') !== REALM ||
      fields.get('qop') !== 'auth' ||
      fields.get('uri') !== req.url ||
      lastNc === undefined ||
      !(nc > lastNc)
    ) {
      return false;
    }
    const expected = digestResponse({
      username: id,
      password: entry.key,
      realm: REALM,
      method,
      uri: req.url ?? '',
      nonce,
      qop: 'auth',
      nc: ncText,
      cnonce: fields.get('cnonce') ?? '',
    });
    if (fields.get('response') !== expected) return false;
    this.nonces.set(nonce, nc);
    return true;
  }

  /** A 401 with a fresh nonce (the last 64 stay valid). */
  private challenge(res: ServerResponse): void {
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, 0);
    if (this.nonces.size > 64) this.nonces.delete(this.nonces.keys().next().value!);
    res
      .writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Digest realm="${REALM}", nonce="${nonce}", qop="auth", algorithm=MD5`,
        connection: 'close',
      })
      .end(JSON.stringify({ message: 'Authorization required' }));
  }

  /** The printer's answer to a GET of `path`: status and JSON document. */
  private route(path: string): [number, unknown] {
    switch (path) {
      case '/api/v1/system':
        return [
          200,
          {
            firmware: '5.8.2.20231212',
            name: this.name,
            guid: this.guid,
            variant: 'Ultimaker S5',
            platform: 'Linux',
          },
        ];
      case '/api/v1/printer':
        return [
          200,
          {
            status: this.status,
            bed: {
              temperature: { current: round(this.bed), target: this.status === 'printing' ? 60 : 0 },
              type: 'glass',
            },
            heads: [
              {
                extruders: [
                  {
                    hotend: {
                      id: 'AA 0.4',
                      temperature: {
                        current: round(this.nozzle),
                        target: this.status === 'printing' ? 210 : 0,
                      },
                    },
                  },
                  { hotend: { id: 'BB 0.4', temperature: { current: 22, target: 0 } } },
                ],
              },
            ],
          },
        ];
      case '/api/v1/print_job':
        if (!this.job) return [404, { message: 'Not found' }];
        return [
          200,
          {
            name: this.job.name,
            uuid: this.job.uuid,
            state: this.job.paused ? 'paused' : 'printing',
            progress: round(this.job.elapsed / this.job.total, 4),
            time_elapsed: Math.round(this.job.elapsed),
            time_total: this.job.total,
            datetime_started: this.job.started,
          },
        ];
      case '/api/v1/history/events':
        return [200, this.events.slice(-50)];
      default:
        return [404, { message: 'Not found' }];
    }
  }
}

export interface SimulatorOptions {
  port?: number;
  speed?: number;
  name?: string;
  /** Key requests approved by themselves after this many ms (else by `approvePendingKeys()`). */
  autoApproveMs?: number;
  /** The largest upload accepted (default 64 MB); a bigger one is refused with 413. */
  maxUploadBytes?: number;
  /** How long (simulated seconds) an uploaded job prints; default 600. */
  uploadedJobSeconds?: number;
}

function json(res: ServerResponse, status: number, document: unknown, close = false): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (close) headers.connection = 'close';
  if (status === 204) res.writeHead(204, headers).end();
  else res.writeHead(status, headers).end(JSON.stringify(document));
}

function tooLarge(res: ServerResponse): void {
  json(res, 413, { message: 'Request entity too large' }, true);
}

/** The request body, or undefined when it is (or declares itself) larger than `limit`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

/** `application=…&user=…` (or the same as JSON, as some clients send it). */
function parseForm(body: Buffer, contentType: string | undefined): Map<string, string> {
  const text = body.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/json')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return new Map(
        Object.entries(parsed).flatMap(([k, v]) =>
          typeof v === 'string' ? [[k, v] as [string, string]] : [],
        ),
      );
    } catch {
      return new Map();
    }
  }
  return new Map(new URLSearchParams(text));
}

/** The `file` part of a `multipart/form-data` body: its file name and bytes. Linear searches only. */
function parseMultipartFile(
  body: Buffer,
  contentType: string | undefined,
): { name: string; data: Buffer } | undefined {
  const marker = 'boundary=';
  const at = contentType?.indexOf(marker) ?? -1;
  if (!contentType || at < 0) return undefined;
  let boundary = contentType
    .slice(at + marker.length)
    .split(';')[0]!
    .trim();
  if (boundary.startsWith('"') && boundary.endsWith('"')) boundary = boundary.slice(1, -1);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const headersStart = start + delimiter.length + 2;
    const headersEnd = body.indexOf('\r\n\r\n', headersStart);
    if (headersEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next < 0) return undefined;
    const headers = body.subarray(headersStart, headersEnd).toString('utf8');
    const disposition = headers
      .split('\r\n')
      .find((line) => line.toLowerCase().startsWith('content-disposition:'));
    if (disposition?.includes('name="file"')) {
      const nameAt = disposition.indexOf('filename="');
      const nameEnd = nameAt < 0 ? -1 : disposition.indexOf('"', nameAt + 10);
      const name = nameEnd < 0 ? 'upload' : disposition.slice(nameAt + 10, nameEnd);
      return { name, data: body.subarray(headersEnd + 4, next) };
    }
    start = next + 2;
  }
  return undefined;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
