/** A `print` command the simulated printer received on its request topic, with the request as sent. */
export interface ReceivedCommand {
  command: string;
  sequenceId: string;
  at: number;
  request: Record<string, unknown>;
}

/**
 * The simulated printer as its request handler sees it: what a request reads (the job, the state,
 * the uploaded files) and what it may do (play a command, answer on the report topic). The
 * simulator keeps its state private and hands this view to the handler.
 */
export interface RequestTarget {
  /** The `silence` fault: the printer answers nothing. */
  silent(): boolean;
  /** The broker is up: an answer due while it is down (a restart) is dropped. */
  online(): boolean;
  /** A job is loaded (preparing, running or paused). */
  busy(): boolean;
  /** `gcode_state` now. */
  gcodeState(): string;
  pause(): void;
  resume(): void;
  /** A user's cancel, with its later steps (print_error reset, state flaps). */
  cancel(): void;
  startJob(name: string, seconds: number): void;
  /** How long (simulated seconds) a job started from a file prints. */
  fileJobSeconds(): number;
  /** How long the printer takes to act on a command and answer it. */
  commandReplyDelayMs(): number;
  /** A file uploaded over FTPS, by its path on the SD card. */
  uploadedFile(path: string): Buffer | undefined;
  /** What `get_version` reports as the `ota` module's `sn`: the serial, '' or nothing (null). */
  versionSerial(): string | null;
  /** Every `print` command received, in order (the simulator's public `commandsReceived`). */
  readonly commandsReceived: ReceivedCommand[];
  /** Answers `pushall`: the full `print` object, which becomes the base of later deltas. */
  pushAll(): void;
  /** Pushes what changed since the last report. */
  pushChanges(): void;
  /** Publishes a message on the report topic. */
  publishJson(message: unknown): void;
}

/**
 * What the simulated printer does with a message on `device/<serial>/request`: `pushall`,
 * `get_version`, the job controls `pause`/`resume`/`stop` and the file prints
 * `project_file`/`gcode_file`. Anything else, or a payload that is not JSON, is ignored.
 */
export function handleRequest(printer: RequestTarget, payload: string): void {
  if (printer.silent()) return;
  let request: {
    pushing?: { command?: string };
    info?: { command?: string; sequence_id?: string };
    print?: { command?: string; sequence_id?: string; param?: string } & Record<string, unknown>;
  };
  try {
    request = JSON.parse(payload) as typeof request;
  } catch {
    return;
  }
  // Answer after the request's own publish completes, as the printer does.
  setImmediate(() => {
    if (request.pushing?.command === 'pushall') printer.pushAll();
    const print = request.print;
    if (print?.command === 'pause' || print?.command === 'resume' || print?.command === 'stop') {
      const { command, sequence_id: sequenceId = '0' } = print;
      printer.commandsReceived.push({ command, sequenceId, at: performance.now(), request: print });
      setTimeout(() => control(printer, command, sequenceId), printer.commandReplyDelayMs());
    }
    if (print?.command === 'project_file' || print?.command === 'gcode_file') {
      const sequenceId = String(print.sequence_id ?? '0');
      printer.commandsReceived.push({
        command: print.command,
        sequenceId,
        at: performance.now(),
        request: print,
      });
      setTimeout(() => printFile(printer, print, sequenceId), printer.commandReplyDelayMs());
    }
    if (request.info?.command === 'get_version') {
      const versionSerial = printer.versionSerial();
      printer.publishJson({
        info: {
          command: 'get_version',
          sequence_id: request.info.sequence_id ?? '0',
          module: [
            {
              name: 'ota',
              sw_ver: '01.08.02.00',
              ...(versionSerial === null ? {} : { sn: versionSerial }),
              hw_ver: 'OTA',
            },
            { name: 'mc', sw_ver: '00.00.29.28', sn: 'MC0A0000', hw_ver: 'MC07' },
          ],
        },
      });
    }
  });
}

/**
 * A job control command, as firmware answers it (OpenBambuAPI mqtt.md): the same command and
 * sequence_id back on the report topic with `result` success or failed, then the state change in
 * the next push.
 */
function control(printer: RequestTarget, command: 'pause' | 'resume' | 'stop', sequenceId: string): void {
  if (!printer.online()) return;
  const running = printer.busy();
  const gcodeState = printer.gcodeState();
  const allowed =
    (command === 'pause' && running && gcodeState !== 'PAUSE') ||
    (command === 'resume' && running && gcodeState === 'PAUSE') ||
    (command === 'stop' && running);
  if (allowed && command === 'pause') printer.pause();
  if (allowed && command === 'resume') printer.resume();
  printer.publishJson({
    print: {
      command,
      sequence_id: sequenceId,
      param: '',
      result: allowed ? 'success' : 'failed',
      reason: allowed ? 'success' : 'not allowed in this state',
    },
  });
  // The state change follows the answer at once, as firmware reports it. A stop is a cancel:
  // FAILED with print_error 0x0300400C, reset to IDLE a moment later.
  if (allowed && command === 'stop') printer.cancel();
  printer.pushChanges();
}

/**
 * `project_file` (`url` file:///sdcard/<name>, ftp:///<name> or ftp://<name>, or `file`) and
 * `gcode_file` (`param`, a path): starts a job named `subtask_name` (or the file's name without
 * its extension) when the printer is free and the file was uploaded; answers success or failed.
 */
function printFile(printer: RequestTarget, print: Record<string, unknown>, sequenceId: string): void {
  if (!printer.online()) return;
  const command = print.command as string;
  const where =
    command === 'project_file' ? String(print.url || print.file || '') : String(print.param ?? '');
  const path = where.replace(/^(file:\/\/\/sdcard\/|ftp:\/\/\/?|\/sdcard\/|\/)/, '');
  const name = path.split('/').pop() ?? '';
  const file = printer.uploadedFile(path) ?? printer.uploadedFile(name);
  const reason = printer.busy()
    ? 'the printer is busy'
    : !file
      ? `file not found: ${where}`
      : command === 'project_file' && print.param !== 'Metadata/plate_1.gcode'
        ? `no plate ${String(print.param)}`
        : undefined;
  if (!reason) {
    const subtask = typeof print.subtask_name === 'string' && print.subtask_name ? print.subtask_name : '';
    printer.startJob(subtask || name.replace(/(\.gcode\.3mf|\.3mf|\.gcode)$/i, ''), printer.fileJobSeconds());
  }
  printer.publishJson({
    print: {
      command,
      sequence_id: sequenceId,
      param: print.param ?? '',
      result: reason ? 'failed' : 'success',
      reason: reason ?? 'success',
    },
  });
  printer.pushChanges();
}
