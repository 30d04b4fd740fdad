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
import { CommandRefused } from '../sdk/command-refused.ts';
import { ftpsUpload } from '../sdk/ftps-upload.ts';
import { parseMachineJson } from '../sdk/machine-json.ts';
import { guardMqttPackets } from '../sdk/mqtt-packet-guard.ts';
import { networkError } from '../sdk/network-error.ts';
import { connectPinnedTls } from '../sdk/pinned-tls.ts';
import type { BambuConnection } from './config.ts';
import { toSnapshot } from './map.ts';
import { DEFAULT_MERGE_LIMITS, mergeReport } from './merge.ts';
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

/** The remote commands Bambu printers take, as `print.command` verbs. */
const BAMBU_COMMANDS = { pause_job: 'pause', resume_job: 'resume', cancel_job: 'stop' } as const;
/** How long a connection test waits for the printer's `get_version` answer. */
const VERSION_WAIT_MS = 2000;
/** How long the printer has to confirm a command (answers come within a second on a LAN). */
const COMMAND_REPLY_MS = 10_000;

/** How long the printer has to show a started job (PREPARE or RUNNING with its name). */
const START_CONFIRM_MS = 20_000;
/** The states a job can be started from: nothing printing, the last job over. */
const START_FROM: readonly string[] = ['IDLE', 'FINISH', 'FAILED'];
/** The states of a job that started. */
const STARTED: readonly string[] = ['PREPARE', 'SLICING', 'RUNNING'];
/** The longest file name Echo gives the printer. */
const MAX_NAME = 120;
/**
 * The `project_file` fields Echo sends besides the file: ha-bambulab's
 * `PRINT_PROJECT_FILE_TEMPLATE` (pybambu/commands.py) for a local print, the external spool.
 */
const PROJECT_FILE_DEFAULTS = {
  bed_type: 'auto',
  timelapse: false,
  bed_leveling: true,
  flow_cali: true,
  vibration_cali: true,
  layer_inspect: true,
  use_ams: false,
  ams_mapping: [0],
  profile_id: '0',
  project_id: '0',
  subtask_id: '0',
  task_id: '0',
} as const;

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

  constructor(
    private readonly connection: BambuConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.where = `${connection.host}:${connection.port}`;
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
    const report = printReport.parse(this.state);
    return {
      snapshot: toSnapshot(report, this.version, Date.now()),
      captures: [
        {
          captureTypeName: 'bambu.modeler.status',
          content: JSON.stringify({ print: this.state, info: this.version ?? null }),
          contentType: 'application/json',
          meta: { serial: this.connection.serial, firmware: this.firmware(), source: 'bambu-lan-mqtt' },
          // Temperatures change every second: a capture when the job or state changes, else at the
          // unchanged interval, with the latest gauges.
          dedupeKey: 'status',
          significant: JSON.stringify([
            report.gcode_state,
            report.subtask_name,
            report.mc_percent,
            report.print_error,
            report.hms,
          ]),
        },
      ],
    };
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
        message: `Bambu printer ${this.connection.serial} answered (state ${report.gcode_state ?? '?'}, firmware ${this.firmware() ?? '?'})`,
        details: { serial: this.connection.serial, firmware: this.firmware() },
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

  /**
   * pause / resume / stop (`print.command` on the request topic, OpenBambuAPI mqtt.md), checked
   * against the printer's state first, then confirmed by the answer with the same sequence_id.
   */
  async control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    const client = this.client;
    if (!client || this.disconnected) {
      throw (
        this.disconnected ?? new CollectorError('unreachable', `${this.where}: not connected to the printer`)
      );
    }
    // Just connected: the state is not known before the printer's first report.
    await this.waitForMessage(signal);
    const report = printReport.parse(this.state);
    const state = report.gcode_state ?? 'unknown';
    if (command.type === 'start_job') return this.startJob(command, client, state, signal);
    const verb = BAMBU_COMMANDS[command.type as keyof typeof BAMBU_COMMANDS];
    if (!verb)
      throw new CommandRefused(
        `a Bambu printer cannot ${command.type} from Echo`,
        state,
        'unsupported_command',
      );
    const allowedIn: Record<string, readonly string[]> = {
      pause: ['RUNNING', 'PREPARE'],
      resume: ['PAUSE'],
      stop: ['RUNNING', 'PREPARE', 'PAUSE'],
    };
    if (!allowedIn[verb]!.includes(state)) {
      throw new CommandRefused(
        `the printer is ${state}: there is no job to ${verb === 'stop' ? 'cancel' : verb}`,
        state,
      );
    }
    const running = report.task_id !== undefined ? String(report.task_id) : undefined;
    if (command.jobExternalId && running && running !== '0' && command.jobExternalId !== running) {
      throw new CommandRefused(
        `the printer is running job ${running}, not ${command.jobExternalId}: nothing was sent`,
        state,
      );
    }
    const sequenceId = String(this.sequence++);
    const answer = new Promise<CommandReply>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          finish(
            new CollectorError(
              'timeout',
              `${this.where}: the printer did not confirm ${verb} within ${COMMAND_REPLY_MS / 1000} s`,
            ),
          ),
        COMMAND_REPLY_MS,
      );
      const onAbort = () =>
        finish(
          new CollectorError(
            'timeout',
            `${this.where}: no confirmation of ${verb} before the command's time ran out`,
          ),
        );
      const finish = (result: CommandReply | Error) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.replies.delete(sequenceId);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.replies.set(sequenceId, finish);
    });
    client.publish(
      `device/${this.connection.serial}/request`,
      JSON.stringify({ print: { sequence_id: sequenceId, command: verb, param: '' } }),
    );
    const reply = await answer;
    if (reply.result.toLowerCase() === 'success' && verb !== 'stop') {
      // The printer's state report follows its answer, sometimes tens of milliseconds later (its
      // two writes meet TCP's delayed acknowledgement): the confirmed state is the state now, so
      // that a command right after this one is checked against it, not against the old one.
      this.state = { ...this.state, gcode_state: verb === 'pause' ? 'PAUSE' : 'RUNNING' };
    }
    if (reply.result.toLowerCase() !== 'success') {
      throw new CollectorError(
        'protocol',
        `${this.where}: the printer refused ${verb} (${reply.reason ?? reply.result})`,
      );
    }
    return {
      message: `the printer confirmed ${verb} (it was ${state})`,
      reply: {
        command: verb,
        sequence_id: sequenceId,
        result: reply.result,
        reason: reply.reason ?? null,
        state_before: state,
      },
    };
  }

  /**
   * start_job: the file is uploaded over implicit FTPS (the same pinned certificate and access
   * code as MQTT), then printed with `project_file` (.3mf, plate 1) or `gcode_file` (.gcode); the
   * start is confirmed by the printer's state: PREPARE or RUNNING with the job's name. The
   * printer's answer (same sequence_id) fails the command when it says `failed`. Bambu printers
   * have no printing presets: `printingPreset` is ignored.
   */
  private async startJob(
    command: MachineCommand,
    client: MqttClient,
    state: string,
    signal: AbortSignal,
  ): Promise<CommandResult> {
    if (!START_FROM.includes(state)) {
      throw new CommandRefused(
        `the printer is ${state}: a job can start only when it is IDLE, FINISH or FAILED`,
        state,
      );
    }
    const file = command.file;
    if (!file?.path) throw new CommandRefused('start_job came without a job file: nothing was sent', state);
    const name = printerFileName(file.name);
    const lower = name.toLowerCase();
    const verb = lower.endsWith('.3mf')
      ? 'project_file'
      : lower.endsWith('.gcode')
        ? 'gcode_file'
        : undefined;
    if (!verb) {
      throw new CommandRefused(
        `a Bambu printer prints .3mf or .gcode files, not "${file.name}": nothing was sent`,
        state,
        'unsupported_command',
      );
    }
    const upload = await ftpsUpload({
      host: this.connection.host,
      port: this.connection.ftp_port,
      trust: this.connection.tls,
      expectedName: this.connection.serial,
      username: this.ctx.credentials.username ?? this.connection.username,
      password: this.ctx.credentials.password ?? '',
      localPath: file.path,
      remoteName: name,
      signal,
    });
    this.ctx.logger.info(
      { file: name, bytes: upload.bytes, session_reused: upload.sessionReused },
      'uploaded the job file to the printer over FTPS',
    );
    // Somebody may have started a job at the printer while the file was on its way.
    const now = printReport.parse(this.state).gcode_state ?? 'unknown';
    if (!START_FROM.includes(now)) {
      throw new CommandRefused(
        `the printer became ${now} while ${name} was uploaded: the file is on its SD card, no job was started`,
        now,
      );
    }
    const sequenceId = String(this.sequence++);
    const subtask = stem(name);
    const request =
      verb === 'project_file'
        ? {
            sequence_id: sequenceId,
            command: verb,
            param: 'Metadata/plate_1.gcode',
            url: this.connection.print_url === 'ftp' ? `ftp:///${name}` : `file:///sdcard/${name}`,
            subtask_name: subtask,
            ...PROJECT_FILE_DEFAULTS,
          }
        : { sequence_id: sequenceId, command: verb, param: `/sdcard/${name}` };
    let answer: CommandReply | undefined;
    this.replies.set(sequenceId, (reply) => {
      answer = reply;
    });
    let started: PrintReport;
    try {
      client.publish(`device/${this.connection.serial}/request`, JSON.stringify({ print: request }));
      const deadline = performance.now() + START_CONFIRM_MS;
      for (;;) {
        if (answer && answer.result.toLowerCase() !== 'success') {
          throw new CollectorError(
            'protocol',
            `${this.where}: the printer refused ${verb} ${name} (${answer.reason ?? answer.result}); the file is on its SD card`,
          );
        }
        const report = printReport.parse(this.state);
        if (STARTED.includes(report.gcode_state ?? '') && isJob(report, name)) {
          started = report;
          break;
        }
        if (this.broken) throw this.broken;
        if (this.disconnected) throw this.disconnected;
        if (signal.aborted || performance.now() > deadline) {
          throw new CollectorError(
            'timeout',
            `${this.where}: the printer did not show ${name} printing within ${START_CONFIRM_MS / 1000} s ` +
              `(${answer ? `it answered ${answer.result}` : 'no answer'}, state ${report.gcode_state ?? '?'})`,
          );
        }
        await sleep(100, signal);
      }
    } finally {
      this.replies.delete(sequenceId);
    }
    return {
      message: `the printer started "${started.subtask_name ?? subtask}" from ${name} (${upload.bytes} bytes uploaded over FTPS, it was ${state})`,
      reply: {
        command: verb,
        sequence_id: sequenceId,
        result: answer?.result ?? null,
        file_name: name,
        bytes_sent: upload.bytes,
        gcode_state: started.gcode_state,
        subtask_name: started.subtask_name ?? null,
        task_id: started.task_id !== undefined ? String(started.task_id) : null,
        state_before: state,
        ...(command.printingPreset ? { printing_preset_ignored: command.printingPreset } : {}),
      },
    };
  }

  /**
   * After a restart: the printer's state shows whether a pause, resume or cancel took effect
   * (paused; running; no job running any more), or a start (a job of the file's name under way).
   */
  async verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    if (!this.client || this.disconnected) return undefined;
    await this.waitForMessage(signal);
    const state = printReport.parse(this.state).gcode_state;
    const shown =
      (command.type === 'pause_job' && state === 'PAUSE') ||
      (command.type === 'resume_job' && state === 'RUNNING') ||
      (command.type === 'cancel_job' && (state === 'FAILED' || state === 'IDLE' || state === 'FINISH')) ||
      (command.type === 'start_job' &&
        command.file !== undefined &&
        [...STARTED, 'PAUSE'].includes(state ?? '') &&
        isJob(printReport.parse(this.state), printerFileName(command.file.name)));
    if (!shown) return undefined;
    return {
      message: `the printer is ${state}: ${command.type} took effect (seen after Echo restarted)`,
      reply: { state, verified_after_restart: true },
    };
  }

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

  private firmware(): string | undefined {
    return this.version?.module.find((m) => m.name === 'ota')?.sw_ver;
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

/**
 * The name a job file gets on the printer's SD card: the last segment of its name, only letters,
 * digits and `._+()-` (anything else, spaces too, becomes `_`: it goes into an FTP command line and
 * a `file://` URL), at most 120 characters with its extension kept.
 */
export function printerFileName(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[^A-Za-z0-9._+()-]/g, '_');
  const extension = /(\.gcode\.3mf|\.3mf|\.gcode)$/i.exec(base)?.[0] ?? '';
  const head = base
    .slice(0, base.length - extension.length)
    .replace(/^\.+/, '')
    .slice(0, MAX_NAME - extension.length);
  return `${head || 'echo-job'}${extension}`;
}

/** The name without its extension: the `subtask_name` the printer shows. */
function stem(name: string): string {
  return name.replace(/(\.gcode\.3mf|\.3mf|\.gcode)$/i, '');
}

/** Whether the printer's current job is this file's (its subtask name, or the file it prints). */
function isJob(report: PrintReport, name: string): boolean {
  const subtask = report.subtask_name;
  const file = report.gcode_file ?? '';
  return subtask === stem(name) || subtask === name || file === name || file.endsWith(`/${name}`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
