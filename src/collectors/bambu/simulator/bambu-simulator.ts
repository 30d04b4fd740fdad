import { randomInt } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { Aedes } from 'aedes';
import {
  type SelfSignedCertificate,
  selfSignedCertificate,
} from '../../sdk/simulator/self-signed-certificate.ts';
import { FtpsServer, type FtpsUpload } from './ftps-server.ts';
import { announcePrinter } from './lan-announcement.ts';
import {
  approach,
  CANCEL_PRINT_ERROR,
  printReport,
  reportDelta,
  type SimulatedJob,
} from './printer-report.ts';
import { handleRequest, type ReceivedCommand, type RequestTarget } from './request-handler.ts';

export type BambuFault = 'silence' | 'garbage' | null;

export { CANCEL_PRINT_ERROR, hmsEntry } from './printer-report.ts';
export type { ReceivedCommand } from './request-handler.ts';

/**
 * A Bambu Lab X1 Carbon in LAN mode, on the real transport: an MQTT broker (aedes) behind TLS with
 * the printer's self-signed certificate, user `bblp` and the LAN access code. Like the printer it
 * answers `pushall` with the full `print` object and then pushes only what changed, once per
 * second; it plays jobs (prepare, run, pause, fail with an HMS code, a user's cancel, finish), HMS
 * entries of any severity, any gcode_state (INIT, OFFLINE), an empty `sn`, and faults (silence,
 * garbage, a broker restart, a new certificate after a reset). `speed` simulated seconds pass per
 * real second.
 */
export class BambuSimulator {
  readonly serial: string;
  readonly accessCode: string;
  private broker: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | undefined;
  private job: SimulatedJob | undefined;
  /** The job that just ended: Bambu printers keep reporting its name after FINISH or FAILED. */
  private ended: SimulatedJob | undefined;
  private gcodeState = 'IDLE';
  private printError = 0;
  private hms: Array<{ attr: number; code: number }> = [];
  private nozzle = 25;
  private bed = 24;
  private fault: BambuFault = null;
  private lastSent: Record<string, unknown> = {};
  private lastTick = Date.now();
  /** The steps after a cancel still to come (the reset of print_error, a flapping state). */
  private readonly cancelTimers = new Set<NodeJS.Timeout>();
  /** What `get_version` reports as the `ota` module's `sn`: the serial, '' or nothing (null). */
  private readonly versionSerial: string | null;
  /** Messages published on the report topic, for tests. */
  reportsSent = 0;
  /**
   * Every `print` command received on the request topic (pause, resume, stop, project_file,
   * gcode_file), in order, with the request as sent.
   */
  readonly commandsReceived: ReceivedCommand[] = [];
  /** How long (simulated seconds) a job started from a file prints. */
  fileJobSeconds = 600;
  private ftp: FtpsServer | undefined;
  /** How long the printer takes to act on a command and answer it (tests widen the window). */
  commandReplyDelayMs = 0;

  private constructor(
    private certificate: SelfSignedCertificate,
    private portNumber: number,
    private readonly speed: number,
    serial: string,
    accessCode: string,
    versionSerial: string | null | undefined,
  ) {
    this.serial = serial;
    this.accessCode = accessCode;
    this.versionSerial = versionSerial === undefined ? serial : versionSerial;
  }

  static async start(
    options: {
      speed?: number;
      serial?: string;
      accessCode?: string;
      port?: number;
      ftpPort?: number;
      maxUploadBytes?: number;
      /**
       * The `ota` module's `sn` in the `get_version` answer: the serial by default, '' as
       * OpenBambuAPI's example shows it, or null to leave the field out.
       */
      versionSerial?: string | null;
    } = {},
  ): Promise<BambuSimulator> {
    const serial = options.serial ?? `00M09A${String(randomInt(100_000_000, 999_999_999))}`;
    const sim = new BambuSimulator(
      await selfSignedCertificate(serial),
      options.port ?? 0,
      options.speed ?? 1,
      serial,
      options.accessCode ?? String(randomInt(10_000_000, 99_999_999)),
      options.versionSerial,
    );
    await sim.listen();
    sim.ftp = await FtpsServer.start({
      cert: sim.certificate.cert,
      key: sim.certificate.key,
      user: 'bblp',
      password: sim.accessCode,
      ...(options.ftpPort !== undefined ? { port: options.ftpPort } : {}),
      ...(options.maxUploadBytes !== undefined ? { maxUploadBytes: options.maxUploadBytes } : {}),
    });
    sim.timer = setInterval(() => sim.tick(), 1000 / 2);
    return sim;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    return this.portNumber;
  }

  /** The implicit-TLS FTP port (990 on a printer). */
  get ftpPort(): number {
    return this.ftp!.port;
  }

  /** Files uploaded over FTPS, in order (name, size, SHA-256). */
  get uploads(): readonly FtpsUpload[] {
    return this.ftp?.uploads ?? [];
  }

  /** The FTP server's counters: control connections and successful logins. */
  get ftpStats(): { connections: number; logins: number } {
    return { connections: this.ftp?.connections ?? 0, logins: this.ftp?.logins ?? 0 };
  }

  get fingerprint(): string {
    return this.certificate.fingerprint256;
  }

  /** The printer's `gcode_state` now (IDLE, PREPARE, RUNNING, PAUSE, FINISH, FAILED). */
  get gcode(): string {
    return this.gcodeState;
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  startJob(name: string, seconds: number, layers = 200): void {
    this.job = {
      name,
      taskId: String(randomInt(1e8, 1e9)),
      total: seconds,
      elapsed: 0,
      startedAt: Date.now(),
      layers,
    };
    this.stopCancelSteps();
    this.gcodeState = 'PREPARE';
    this.ended = undefined;
    this.printError = 0;
    this.hms = [];
  }

  pause(): void {
    if (this.job) this.gcodeState = 'PAUSE';
  }

  resume(): void {
    if (this.job) this.gcodeState = 'RUNNING';
  }

  /** The job fails the way a nozzle clog does: FAILED, a print error and an HMS code. */
  fail(): void {
    this.ended = this.job;
    this.job = undefined;
    this.gcodeState = 'FAILED';
    this.printError = 0x0300_4000;
    this.hms = [{ attr: 0x0300_0100, code: 0x0001_0001 }];
  }

  /**
   * The user cancels the print (on the screen, in the app, or a `stop` command), the way firmware
   * reports it (ha-bambulab pybambu `models.py`): first `print_error` 0x0300400C alone, then
   * `gcode_state` FAILED with the job still shown; `stepMs` later `print_error` is back to 0 and the
   * state moves through `states` (IDLE by default; e.g. ['IDLE', 'FAILED', 'IDLE'] flaps), one step
   * every `stepMs`.
   */
  cancel(options: { stepMs?: number; states?: readonly string[] } = {}): void {
    if (!this.job) return;
    const { stepMs = 1500, states = ['IDLE'] } = options;
    this.stopCancelSteps();
    this.printError = CANCEL_PRINT_ERROR;
    this.pushChanges();
    this.ended = this.job;
    this.job = undefined;
    this.gcodeState = 'FAILED';
    this.pushChanges();
    states.forEach((state, index) => {
      const timer = setTimeout(
        () => {
          this.cancelTimers.delete(timer);
          this.printError = 0;
          this.gcodeState = state;
          this.pushChanges();
        },
        stepMs * (index + 1),
      );
      this.cancelTimers.add(timer);
    });
  }

  /**
   * HMS entries as the printer lists them (`hms: [{attr, code}]`); `hmsEntry(severity)` makes one
   * of each severity. The state is left as it is.
   */
  setHms(entries: ReadonlyArray<{ attr: number; code: number }>): void {
    this.hms = entries.map((e) => ({ ...e }));
  }

  /**
   * Any `gcode_state` as the printer would send it (INIT while starting up, OFFLINE, or one Echo
   * does not know), the job left as it is.
   */
  setGcodeState(state: string): void {
    this.gcodeState = state;
  }

  /** A cancel's later steps (the reset, the flaps) are still to come. */
  get cancelling(): boolean {
    return this.cancelTimers.size > 0;
  }

  /** The operator clears the error on the printer's screen. */
  clearError(): void {
    this.gcodeState = 'IDLE';
    this.ended = undefined;
    this.printError = 0;
    this.hms = [];
  }

  setFault(fault: BambuFault): void {
    this.fault = fault;
    if (fault === 'garbage') this.publish(Buffer.from([0xde, 0xad, 0x7b, 0x22]));
  }

  /** The printer's MQTT broker goes away for `ms` (firmware update, power cycle) and comes back. */
  async restartBroker(ms: number): Promise<void> {
    await this.shutdown();
    await new Promise((r) => setTimeout(r, ms));
    await this.listen();
  }

  /** A factory reset: the printer comes back with a new certificate. */
  async replaceCertificate(): Promise<void> {
    this.certificate = await selfSignedCertificate(this.serial);
    this.ftp?.setCertificate(this.certificate.cert, this.certificate.key);
    await this.shutdown();
    await this.listen();
  }

  /** Announces itself the way the printer does in LAN mode (UDP NOTIFY), to `port` on loopback. */
  async announce(port: number, name = 'X1C-workshop'): Promise<void> {
    await announcePrinter(port, { host: this.host, serial: this.serial, name });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stopCancelSteps();
    await this.ftp?.close();
    await this.shutdown();
  }

  private async listen(): Promise<void> {
    const broker = await Aedes.createBroker({ heartbeatInterval: 60_000 });
    broker.authenticate = (_client, username, password, done) => {
      const ok = username === 'bblp' && password?.toString() === this.accessCode;
      if (ok) return done(null, true);
      const error = Object.assign(new Error('Bad username or password'), { returnCode: 4 as const });
      done(error, null);
    };
    broker.authorizeSubscribe = (_client, subscription, done) => {
      done(subscription.topic === this.reportTopic ? null : new Error('not allowed'), subscription);
    };
    broker.authorizePublish = (client, packet, done) => {
      if (client && packet.topic !== `device/${this.serial}/request`) return done(new Error('not allowed'));
      if (client) handleRequest(this.requestTarget, packet.payload.toString());
      done(null);
    };
    const server = createServer({ cert: this.certificate.cert, key: this.certificate.key }, (socket) => {
      broker.handle(socket);
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.portNumber, '127.0.0.1', () => resolve()));
    this.portNumber = (server.address() as AddressInfo).port;
    this.broker = broker;
    this.server = server;
  }

  private async shutdown(): Promise<void> {
    const { broker, server } = this;
    this.broker = undefined;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([
      broker ? new Promise<void>((r) => broker.close(() => r())) : undefined,
      server ? new Promise<void>((r) => server.close(() => r())) : undefined,
    ]);
  }

  private stopCancelSteps(): void {
    for (const timer of this.cancelTimers) clearTimeout(timer);
    this.cancelTimers.clear();
  }

  /** What the request handler (request-handler.ts) reads and does on this printer. */
  private readonly requestTarget: RequestTarget = {
    silent: () => this.fault === 'silence',
    online: () => this.broker !== undefined,
    busy: () => this.busy,
    gcodeState: () => this.gcodeState,
    pause: () => this.pause(),
    resume: () => this.resume(),
    cancel: () => this.cancel(),
    startJob: (name, seconds) => this.startJob(name, seconds),
    fileJobSeconds: () => this.fileJobSeconds,
    commandReplyDelayMs: () => this.commandReplyDelayMs,
    uploadedFile: (path) => this.ftp?.files.get(path),
    versionSerial: () => this.versionSerial,
    commandsReceived: this.commandsReceived,
    pushAll: () => {
      this.lastSent = this.fullState();
      this.publishJson({ print: { ...this.lastSent, command: 'push_status', msg: 0 } });
    },
    pushChanges: () => this.pushChanges(),
    publishJson: (message) => this.publishJson(message),
  };

  private get reportTopic(): string {
    return `device/${this.serial}/report`;
  }

  private tick(): void {
    const now = Date.now();
    const dt = ((now - this.lastTick) / 1000) * this.speed;
    this.lastTick = now;
    const job = this.job;
    if (job && this.gcodeState === 'PREPARE' && this.nozzle > 200) this.gcodeState = 'RUNNING';
    if (job && this.gcodeState === 'RUNNING') {
      job.elapsed = Math.min(job.total, job.elapsed + dt);
      if (job.elapsed >= job.total) {
        this.ended = job;
        this.job = undefined;
        this.gcodeState = 'FINISH';
      }
    }
    const heating = this.job !== undefined;
    this.nozzle = approach(this.nozzle, heating ? 220 : 25, dt * 8);
    this.bed = approach(this.bed, heating ? 55 : 24, dt * 3);
    this.pushChanges();
  }

  /** Pushes what changed since the last report (P1/A1 printers and X1 in "partial" mode do so). */
  private pushChanges(): void {
    if (this.fault || !this.broker) return;
    const state = this.fullState();
    const delta = reportDelta(this.lastSent, state);
    this.lastSent = state;
    if (Object.keys(delta).length > 0)
      this.publishJson({ print: { ...delta, command: 'push_status', msg: 1 } });
  }

  private fullState(): Record<string, unknown> {
    const { job, ended, gcodeState, printError, hms, nozzle, bed } = this;
    return printReport({ job, ended, gcodeState, printError, hms, nozzle, bed });
  }

  private publishJson(message: unknown): void {
    this.publish(Buffer.from(JSON.stringify(message)));
  }

  private publish(payload: Buffer): void {
    const broker = this.broker;
    if (!broker) return;
    this.reportsSent++;
    broker.publish(
      { cmd: 'publish', topic: this.reportTopic, payload, qos: 0, retain: false, dup: false },
      () => undefined,
    );
  }
}
