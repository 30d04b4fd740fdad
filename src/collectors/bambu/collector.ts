import { MqttClient } from 'mqtt';
import { tooLarge } from '../sdk/bounded-body.ts';
import type {
  Collector,
  CollectorContext,
  CommandResult,
  ConnectionTest,
  MachineCommand,
  PollResult,
} from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { parseMachineJson } from '../sdk/machine-json.ts';
import { guardMqttPackets } from '../sdk/mqtt-packet-guard.ts';
import { networkError } from '../sdk/network-error.ts';
import { connectPinnedTls } from '../sdk/pinned-tls.ts';
import type { BambuConnection } from './config.ts';
import { BambuControl, type BambuSession } from './control.ts';
import type { EndedJob } from './map.ts';
import { DEFAULT_MERGE_LIMITS, mergeReport } from './merge.ts';
import { bambuPollResult, firmwareVersion, unknownStateWarning } from './poll-result.ts';
import {
  COMMAND_VERBS,
  type CommandReply,
  commandReply,
  getVersionRequest,
  type PrintReport,
  printReport,
  pushAllRequest,
  reportMessage,
  type VersionInfo,
  versionInfo,
} from './protocol.ts';

/** How long a connection test waits for the printer's `get_version` answer. */
const VERSION_WAIT_MS = 2000;

/** Far above a real printer (one or two a second, a burst after `pushall`). */
const MAX_REPORTS_PER_SECOND = 200;

/**
 * A Bambu Lab printer in LAN mode: MQTT over TLS to the printer's own broker, user `bblp`, the
 * LAN access code as password. Push mode: Echo subscribes to `device/<serial>/report`, asks once
 * for everything (`pushall`), merges the partial updates that follow, and tells the scheduler at
 * once when `gcode_state` changes. A printer that goes quiet is asked again, then called silent.
 * Reconnects are the scheduler's (capped backoff), never the MQTT library's own loop.
 */
export class BambuCollector implements Collector {
  private client: MqttClient | undefined;
  private state: Record<string, unknown> = {};
  private version: VersionInfo | undefined;
  /**
   * When the last report and the last pushall came, on the monotonic clock (performance.now()):
   * these are intervals (stale_after), which a step of the wall clock must neither end nor stretch.
   * Never yet: minus infinity (performance.now() starts near 0 with the process).
   */
  private lastMessageAt = Number.NEGATIVE_INFINITY;
  /** The last report could not be read; cleared by the next good one. */
  private badReport: CollectorError | undefined;
  /** Something broke that only a fresh connection mends (state over its cap, a listener that threw). */
  private broken: CollectorError | undefined;
  private pushAllSentAt = Number.NEGATIVE_INFINITY;
  private sequence = 0;
  private disconnected: CollectorError | undefined;
  private readonly where: string;
  /** How the last job ended, kept while the printer's fields flap after it (map.ts `EndedJob`). */
  private readonly endedJob: EndedJob = {};
  /** Logs each unknown `gcode_state` value once (a few at most). */
  private readonly unknownState: (value: string) => void;

  constructor(
    private readonly connection: BambuConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.where = `${connection.host}:${connection.port}`;
    this.unknownState = unknownStateWarning(ctx);
    this.commands = new BambuControl(this.session, connection, ctx);
  }

  async connect(signal: AbortSignal): Promise<void> {
    const password = this.ctx.credentials.password;
    if (!password) {
      throw new CollectorError(
        'auth',
        'no LAN access code: set credentials.password_ref (the code is on the printer: Settings → Network)',
      );
    }
    const socket = await connectPinnedTls({
      host: this.connection.host,
      port: this.connection.port,
      trust: this.connection.tls,
      expectedName: this.connection.serial,
      signal,
    });
    if (this.connection.tls.insecure) {
      this.ctx.logger.warn(
        {},
        'TLS certificate verification is off for this printer (connection.tls.insecure)',
      );
    }
    const client = new MqttClient(() => socket, {
      username: this.ctx.credentials.username ?? this.connection.username,
      password,
      clientId: `echo-${this.connection.serial}-${process.pid}`,
      protocolVersion: 4,
      keepalive: 30,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      clean: true,
    });
    // A printer's broker can declare a 256 MB packet; the MQTT parser would buffer all of it.
    guardMqttPackets(socket, this.ctx.limits.maxMessageBytes, (problem) => {
      this.disconnected =
        problem.kind === 'too_large'
          ? tooLarge(this.where, this.ctx.limits.maxMessageBytes, `MQTT packet (${problem.size} bytes)`)
          : new CollectorError('protocol', `${this.where}: an MQTT packet has a malformed length`);
      this.wake(this.disconnected);
      socket.destroy();
    });
    this.client = client;
    this.disconnected = undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason ?? new Error('aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
        client.once('connect', () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
        client.once('error', (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        });
        client.once('close', () =>
          reject(new CollectorError('unreachable', `${this.where}: the printer closed the connection`)),
        );
      });
      client.on('close', () => {
        this.disconnected ??= new CollectorError(
          'unreachable',
          `${this.where}: the connection to the printer dropped`,
        );
      });
      client.on('error', (error) => {
        this.disconnected ??= this.mapMqttError(error);
      });
      client.on('message', (_topic, payload) => this.onMessage(payload));
      await client.subscribeAsync(`device/${this.connection.serial}/report`, { qos: 0 });
    } catch (error) {
      await this.close();
      throw this.mapMqttError(error, signal);
    }
    this.state = {};
    this.version = undefined;
    this.lastMessageAt = Number.NEGATIVE_INFINITY;
    this.badReport = undefined;
    this.broken = undefined;
    this.requestEverything();
    await this.waitForMessage(signal);
  }

  async poll(_signal: AbortSignal): Promise<PollResult> {
    // What broke first is the cause: closing a flooding printer's connection also drops it.
    if (this.broken) throw this.broken;
    if (this.disconnected) throw this.disconnected;
    if (this.badReport) throw this.badReport;
    const staleMs = this.connection.stale_after * 1000;
    const now = performance.now();
    if (now - this.lastMessageAt > staleMs) {
      // Quiet for a while: ask for everything once; no answer within another stale_after is silence.
      if (this.pushAllSentAt <= this.lastMessageAt) this.requestEverything();
      else if (now - this.pushAllSentAt > staleMs) throw this.silent();
    }
    return bambuPollResult(this.state, this.version, {
      serial: this.connection.serial,
      ended: this.endedJob,
      unknownState: this.unknownState,
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true).catch(() => undefined);
  }

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      await this.connect(signal);
      // get_version is answered after the first report: the test says the firmware when it can.
      for (let waited = 0; !this.version && waited < VERSION_WAIT_MS && !signal.aborted; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const report = printReport.parse(this.state);
      return {
        ok: true,
        message: `Bambu printer ${this.connection.serial} answered (state ${report.gcode_state ?? '?'}, firmware ${firmwareVersion(this.version) ?? '?'})`,
        details: { serial: this.connection.serial, firmware: firmwareVersion(this.version) },
      };
    } catch (error) {
      const mapped = this.mapMqttError(error, signal);
      return { ok: false, message: mapped.message, details: { failure: mapped.failure, ...mapped.details } };
    } finally {
      await this.close();
    }
  }

  /**
   * Runs inside the MQTT client's socket listener: whatever a report does, it must not throw there
   * (that would be an uncaught exception for the whole agent). It fails this printer instead.
   */
  private onMessage(payload: Buffer): void {
    if (this.broken) return;
    if (this.overRate()) {
      // A printer sends one or two reports a second; thousands are a fault that would take the
      // CPU from every other machine. Stop reading: the poll fails it and the scheduler backs off.
      this.broken = new CollectorError(
        'protocol',
        `${this.where}: the printer sent more than ${MAX_REPORTS_PER_SECOND} reports in a second; Echo stopped reading them`,
      );
      this.wake(this.broken);
      this.client?.end(true);
      return;
    }
    try {
      this.readReport(payload);
    } catch (error) {
      this.broken ??=
        error instanceof CollectorError
          ? new CollectorError('protocol', `${this.where}: ${error.message}`, error)
          : new CollectorError('protocol', `${this.where}: a report could not be handled`, error);
      this.wake(this.broken);
    }
    // A bad report ends a wait for the first one in its own words, not as silence.
    if (this.badReport) this.wake(this.badReport);
  }

  private readReport(payload: Buffer): void {
    const limit = this.ctx.limits.maxMessageBytes;
    if (payload.length > limit) {
      this.badReport = tooLarge(this.where, limit, 'report');
      return;
    }
    let parsed: unknown;
    try {
      parsed = parseMachineJson(payload.toString('utf8'), this.where, DEFAULT_MERGE_LIMITS.maxDepth);
    } catch (error) {
      const tooDeep = error instanceof CollectorError && error.details.reason === 'too_deep';
      const reason = tooDeep ? `nested deeper than ${DEFAULT_MERGE_LIMITS.maxDepth} levels` : 'not JSON';
      this.badReport = new CollectorError(
        'protocol',
        `${this.where}: the printer sent a report that is ${reason} (${payload.subarray(0, 32).toString('hex')})`,
        error,
      );
      return;
    }
    const message = reportMessage.safeParse(parsed);
    if (!message.success) {
      this.ctx.logger.debug(
        { issues: message.error.issues.slice(0, 3) },
        'ignored a report Echo does not understand',
      );
      return;
    }
    this.badReport = undefined;
    this.lastMessageAt = performance.now();
    this.wake();
    const reply = commandReply.safeParse(message.data.print);
    if (reply.success) {
      // The printer's answer to a command Echo sent: not state, so not merged into it.
      this.replies.get(reply.data.sequence_id)?.(reply.data);
      return;
    }
    // An echo of a command without a result (its url, subtask_name…) is not state either.
    if ((COMMAND_VERBS as readonly unknown[]).includes(message.data.print?.command)) return;
    if (message.data.print) {
      const before = (this.state as PrintReport).gcode_state;
      this.state = mergeReport(this.state, message.data.print);
      if ((this.state as PrintReport).gcode_state !== before) this.ctx.notify();
    }
    const info = versionInfo.safeParse(message.data.info);
    if (info.success) this.version = info.data;
  }

  /** Commands sent and waiting for the printer's answer, by sequence_id. */
  private readonly replies = new Map<string, (reply: CommandReply) => void>();

  /** Remote commands, over this session (control.ts). */
  control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    return this.commands.control(command, signal);
  }

  verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    return this.commands.verify(command, signal);
  }

  /** What the commands use of the live MQTT session. */
  private readonly session: BambuSession = {
    where: () => this.where,
    ready: async (signal) => {
      const client = this.client;
      if (!client || this.disconnected) {
        throw (
          this.disconnected ??
          new CollectorError('unreachable', `${this.where}: not connected to the printer`)
        );
      }
      // Just connected: the state is not known before the printer's first report.
      await this.waitForMessage(signal);
      return client;
    },
    connected: () => this.client !== undefined && !this.disconnected,
    waitForReport: (signal) => this.waitForMessage(signal),
    report: () => printReport.parse(this.state),
    fault: () => this.broken ?? this.disconnected,
    nextSequence: () => String(this.sequence++),
    onReply: (sequenceId, handler) => {
      this.replies.set(sequenceId, handler);
      return () => this.replies.delete(sequenceId);
    },
    confirmState: (gcodeState) => {
      this.state = { ...this.state, gcode_state: gcodeState };
    },
  };
  private readonly commands: BambuControl;

  private rateWindowStart = Number.NEGATIVE_INFINITY;
  private rateCount = 0;

  private overRate(): boolean {
    const now = performance.now();
    if (now - this.rateWindowStart >= 1000) {
      this.rateWindowStart = now;
      this.rateCount = 0;
    }
    return ++this.rateCount > MAX_REPORTS_PER_SECOND;
  }

  /** Those waiting for the first report: woken by a good one, or failed by a bad one. */
  private readonly waiters: Array<(error?: CollectorError) => void> = [];

  private wake(error?: CollectorError): void {
    for (const wake of this.waiters.splice(0)) wake(error);
  }

  /** Waits for a report, at most `stale_after` (or until the scheduler's timeout aborts). */
  private waitForMessage(signal: AbortSignal): Promise<void> {
    if (performance.now() - this.lastMessageAt <= this.connection.stale_after * 1000)
      return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(this.silent()), this.connection.stale_after * 1000);
      const onAbort = () => finish(this.silent());
      const finish = (error?: CollectorError) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push((error) => finish(error));
    });
  }

  private silent(): CollectorError {
    return new CollectorError(
      'timeout',
      `${this.where}: the printer sent no report for ${this.connection.stale_after} s and did not answer pushall`,
    );
  }

  private requestEverything(): void {
    const topic = `device/${this.connection.serial}/request`;
    this.pushAllSentAt = performance.now();
    this.client?.publish(topic, pushAllRequest(this.sequence++));
    this.client?.publish(topic, getVersionRequest(this.sequence++));
  }

  private mapMqttError(error: unknown, signal?: AbortSignal): CollectorError {
    const code = (error as { code?: unknown }).code;
    // MQTT 3.1.1 CONNACK return codes 4 and 5: bad user name or password, not authorized.
    if (code === 4 || code === 5) {
      return new CollectorError(
        'auth',
        `${this.where}: the printer refused the LAN access code (check it on the printer: Settings → Network)`,
        error,
      );
    }
    return networkError(this.where, error, signal);
  }
}
