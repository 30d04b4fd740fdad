import type { MqttClient } from 'mqtt';
import type { CollectorContext, CommandResult, MachineCommand } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { CommandRefused } from '../sdk/command-refused.ts';
import { ftpsUpload } from '../sdk/ftps-upload.ts';
import type { BambuConnection } from './config.ts';
import type { CommandReply, PrintReport } from './protocol.ts';

/** What the commands use of the collector's live MQTT session (see BambuCollector). */
export interface BambuSession {
  where(): string;
  /** The connected client once the printer's state is known; throws when not connected. */
  ready(signal: AbortSignal): Promise<MqttClient>;
  connected(): boolean;
  waitForReport(signal: AbortSignal): Promise<void>;
  /** The printer's merged state now. */
  report(): PrintReport;
  /** Why the session broke, if it did. */
  fault(): CollectorError | undefined;
  nextSequence(): string;
  /** Routes the printer's answer with this sequence_id to `handler`; returns how to stop. */
  onReply(sequenceId: string, handler: (reply: CommandReply) => void): () => void;
  /** The state the printer confirmed, before its state report arrives. */
  confirmState(gcodeState: string): void;
}

/** The remote commands Bambu printers take, as `print.command` verbs. */
const BAMBU_COMMANDS = { pause_job: 'pause', resume_job: 'resume', cancel_job: 'stop' } as const;
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

/**
 * Remote commands on a Bambu printer in LAN mode: pause, resume and stop over MQTT, a job file
 * over FTPS then `project_file`/`gcode_file`, each checked against the printer's state first and
 * confirmed by its answer or its state; `verify` reads what the state proves after a restart.
 */
export class BambuControl {
  constructor(
    private readonly session: BambuSession,
    private readonly connection: BambuConnection,
    private readonly ctx: CollectorContext,
  ) {}

  /**
   * pause / resume / stop (`print.command` on the request topic, OpenBambuAPI mqtt.md), checked
   * against the printer's state first, then confirmed by the answer with the same sequence_id.
   */
  async control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    const client = await this.session.ready(signal);
    const report = this.session.report();
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
    const sequenceId = this.session.nextSequence();
    const answer = new Promise<CommandReply>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          finish(
            new CollectorError(
              'timeout',
              `${this.session.where()}: the printer did not confirm ${verb} within ${COMMAND_REPLY_MS / 1000} s`,
            ),
          ),
        COMMAND_REPLY_MS,
      );
      const onAbort = () =>
        finish(
          new CollectorError(
            'timeout',
            `${this.session.where()}: no confirmation of ${verb} before the command's time ran out`,
          ),
        );
      const finish = (result: CommandReply | Error) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        forget();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const forget = this.session.onReply(sequenceId, finish);
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
      this.session.confirmState(verb === 'pause' ? 'PAUSE' : 'RUNNING');
    }
    if (reply.result.toLowerCase() !== 'success') {
      throw new CollectorError(
        'protocol',
        `${this.session.where()}: the printer refused ${verb} (${reply.reason ?? reply.result})`,
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
    const now = this.session.report().gcode_state ?? 'unknown';
    if (!START_FROM.includes(now)) {
      throw new CommandRefused(
        `the printer became ${now} while ${name} was uploaded: the file is on its SD card, no job was started`,
        now,
      );
    }
    const sequenceId = this.session.nextSequence();
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
    const forget = this.session.onReply(sequenceId, (reply) => {
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
            `${this.session.where()}: the printer refused ${verb} ${name} (${answer.reason ?? answer.result}); the file is on its SD card`,
          );
        }
        const report = this.session.report();
        if (STARTED.includes(report.gcode_state ?? '') && isJob(report, name)) {
          started = report;
          break;
        }
        const fault = this.session.fault();
        if (fault) throw fault;
        if (signal.aborted || performance.now() > deadline) {
          throw new CollectorError(
            'timeout',
            `${this.session.where()}: the printer did not show ${name} printing within ${START_CONFIRM_MS / 1000} s ` +
              `(${answer ? `it answered ${answer.result}` : 'no answer'}, state ${report.gcode_state ?? '?'})`,
          );
        }
        await sleep(100, signal);
      }
    } finally {
      forget();
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
    if (!this.session.connected()) return undefined;
    await this.session.waitForReport(signal);
    const report = this.session.report();
    const state = report.gcode_state;
    const shown =
      (command.type === 'pause_job' && state === 'PAUSE') ||
      (command.type === 'resume_job' && state === 'RUNNING') ||
      (command.type === 'cancel_job' && (state === 'FAILED' || state === 'IDLE' || state === 'FINISH')) ||
      (command.type === 'start_job' &&
        command.file !== undefined &&
        [...STARTED, 'PAUSE'].includes(state ?? '') &&
        isJob(report, printerFileName(command.file.name)));
    if (!shown) return undefined;
    return {
      message: `the printer is ${state}: ${command.type} took effect (seen after Echo restarted)`,
      reply: { state, verified_after_restart: true },
    };
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
