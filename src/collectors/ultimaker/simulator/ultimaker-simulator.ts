import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ListOrder, PrinterHistory } from './history.ts';
import { json, parseMultipartFile, readBody, tooLarge } from './http-body.ts';
import { MAX_FORM_BYTES, PrinterKeys } from './keys.ts';
import { printerDocument } from './printer-documents.ts';
import { PrinterMachine } from './printer-machine.ts';

export type UltimakerFault = 'silence' | 'garbage' | 'reboot' | null;

export { REALM } from './keys.ts';

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

/**
 * An Ultimaker S5 as its local API shows it, on a real HTTP server: a job from start to finish
 * (heating, printing, pause, resume, finish or abort), an error state, history events, and the
 * faults a shop sees (a printer that stops answering, answers garbage, or reboots). `speed`
 * simulated seconds pass per real second, so a two-hour print can run in a test.
 */
export class UltimakerSimulator {
  private fault: UltimakerFault = null;
  /** `/history/events` and `/history/print_jobs`: every job that ended is listed there. */
  readonly history: PrinterHistory;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  readonly guid = randomUUID();
  private mdns: import('node:dgram').Socket | undefined;
  /** Requests answered (or held, when silent) since start: benchmarks count the load on the printer. */
  requests = 0;
  /** Authenticated writes (state changes, uploads), in order: tests count what reached the printer. */
  readonly commandsReceived: ReceivedCommand[] = [];
  /** Application keys and Digest (keys.ts). */
  private readonly keys: PrinterKeys;
  /** The printer's status, job and temperatures on the simulated clock (printer-machine.ts). */
  private readonly machine: PrinterMachine;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    speed: number,
    readonly name: string,
    private readonly options: SimulatorOptions,
  ) {
    this.keys = new PrinterKeys(options.autoApproveMs);
    this.history = new PrinterHistory({
      events: options.eventsOrder ?? 'newest-first',
      jobs: options.jobsOrder ?? 'newest-first',
      maxEvents: options.maxEvents ?? 500,
      maxJobs: options.maxJobs ?? 1000,
    });
    this.machine = new PrinterMachine(this.history, speed, options.waitForCleanup ?? false);
  }

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
    this.machine.advance();
    return this.machine.job !== undefined;
  }

  startJob(name: string, durationSeconds: number): string {
    return this.machine.startJob(name, durationSeconds);
  }

  pause(): void {
    this.machine.pause();
  }

  resume(): void {
    this.machine.resume();
  }

  /** The job aborted from the printer: it ends at once and the printer is idle again. */
  abort(): void {
    this.machine.abort();
  }

  /** The operator confirms the build plate is cleared: the ended job leaves, the printer is idle. */
  clearBuildPlate(): void {
    this.machine.clearBuildPlate();
  }

  /** Application keys asked for (`POST /auth/request`). */
  get authRequests(): number {
    return this.keys.authRequests;
  }

  /** Writes refused with a 401 (no, stale or wrong Digest answer). */
  get unauthorizedWrites(): number {
    return this.keys.unauthorizedWrites;
  }

  /** The operator presses "allow" for every waiting application-key request. */
  approvePendingKeys(): number {
    return this.keys.decidePending('authorized');
  }

  /** The operator presses "deny" for every waiting application-key request. */
  refusePendingKeys(): number {
    return this.keys.decidePending('refused');
  }

  /** Requests waiting for the operator's answer. */
  get pendingKeys(): number {
    return this.keys.pending;
  }

  /** Every key the printer issued (tests check that none leaks into what Echo stores or sends). */
  keysIssued(): string[] {
    return this.keys.issued();
  }

  /** Every approved key revoked (the printer's "forget authorized applications"). */
  revokeKeys(): void {
    this.keys.revoke();
  }

  /** A status the firmware reports that Echo may not know (`wait_for_peripherals`…). */
  setStatus(status: string): void {
    this.machine.status = status;
  }

  /** Finished jobs the printer lists (`/history/print_jobs`), oldest first. */
  get finishedJobs(): ReadonlyArray<{ uuid: string; name: string; result: string }> {
    this.machine.advance();
    return this.history.jobs;
  }

  /** The printer stops with an error (e.g. a flow sensor), keeping the job. */
  fail(message = 'Flow sensor error on extruder 1'): void {
    this.machine.fail(message);
  }

  clearError(): void {
    this.machine.clearError();
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
    this.machine.powerOff();
    await new Promise((r) => setTimeout(r, ms));
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', () => resolve()));
    this.machine.event(0x1, 'Printer started');
  }

  async close(): Promise<void> {
    this.keys.close();
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
    this.machine.advance();
    const [path = '/', search = ''] = (req.url ?? '/').split('?');
    const method = req.method ?? 'GET';
    if (method === 'GET' && path.startsWith('/api/v1/auth/')) {
      this.keys.get(req, res, path);
      return;
    }
    if (method === 'GET') {
      const [status, document] =
        this.history.route(path, new URLSearchParams(search)) ??
        printerDocument(path, this.machine, { name: this.name, guid: this.guid });
      json(res, status, document);
      return;
    }
    this.write(req, res, method, path).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) }, true);
      else res.destroy();
    });
  }

  /** The POST and PUT endpoints: the key request, and the writes that need Digest. */
  private async write(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    if (method === 'POST' && path === '/api/v1/auth/request') return this.keys.request(req, res);
    const writes = ['PUT /api/v1/print_job/state', 'POST /api/v1/print_job'];
    if (!writes.includes(`${method} ${path}`)) return json(res, 405, { message: 'Method not allowed' }, true);
    // Credentials first, before a byte of the body is read (as the printer's server does).
    if (!this.keys.authenticated(req, method)) {
      this.keys.unauthorizedWrites++;
      return this.keys.challenge(res);
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
      const status = this.machine.changeJobState(target);
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
    if (this.machine.job || this.machine.status !== 'idle') {
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
  /** Which end offset 0 of `/history/events` is (default newest-first). */
  eventsOrder?: ListOrder;
  /** Which end offset 0 of `/history/print_jobs` is (default newest-first). */
  jobsOrder?: ListOrder;
  /** Events and finished jobs the printer keeps (default 500 and 1000). */
  maxEvents?: number;
  maxJobs?: number;
  /** An ended job stays in `wait_cleanup` until `clearBuildPlate()` (default: it leaves at once). */
  waitForCleanup?: boolean;
}
