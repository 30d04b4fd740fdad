import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { PrintReport, VersionInfo } from './protocol.ts';

type JobResult = NonNullable<NonNullable<MachineSnapshot['job']>['result']>;

/**
 * `print_error` when the user cancels a print (on the screen, in the app, or a `stop` command):
 * 0x0300400C, `0300_400C`. The printer reports it with `gcode_state` FAILED and resets it to 0
 * seconds later (ha-bambulab pybambu `models.py`, its `event_print_canceled`). A cancel, not an error.
 */
export const CANCELLED_PRINT_ERROR = 0x0300_400c;

/** HMS severity, `hms[].code >> 16` (ha-bambulab pybambu `const.py` `HMS_SEVERITY_LEVELS`). */
const HMS_SEVERITY: Record<number, 'fatal' | 'serious' | 'common' | 'info'> = {
  1: 'fatal',
  2: 'serious',
  3: 'common',
  4: 'info',
};

/**
 * The `gcode_state` values the printer sends (ha-bambulab pybambu `const.py` `GCODE_STATE_OPTIONS`,
 * in upper case on the wire) → the normalized state. FAILED depends on `print_error` (below).
 */
const STATES: Record<string, MachineSnapshot['state']> = {
  IDLE: 'idle',
  FINISH: 'idle',
  // "Initializing" (ha-bambulab's translations): the printer is starting up, not in a job and not
  // in error. It takes no job yet (start_job wants IDLE, FINISH or FAILED), but it is not busy.
  INIT: 'idle',
  PREPARE: 'printing',
  SLICING: 'printing',
  RUNNING: 'printing',
  PAUSE: 'paused',
  OFFLINE: 'offline',
};

/**
 * What the mapping remembers between two reports of one printer: how the last job ended. The
 * printer's own fields flap after a job (a cancel's `print_error` resets to 0 seconds later, the
 * state goes FAILED → IDLE or FINISH), so the first certain result is kept until another job runs.
 */
export interface EndedJob {
  /** The job it is about: `task_id` and name. */
  key?: string;
  result?: JobResult;
  /** Said by the printer (a cancel or an error code), not inferred (FINISH, FAILED without code). */
  certain?: boolean;
}

export interface MapOptions {
  /** The configured serial (the MQTT topic's): the snapshot's when the printer's `sn` is empty. */
  serial?: string;
  /** The collector's memory of the last ended job (kept across reports; see `EndedJob`). */
  ended?: EndedJob;
  /** Told of a `gcode_state` Echo does not know (mapped to `unknown`). */
  unknownState?: (value: string) => void;
}

/** Bambu writes `print_error` as a 32-bit code shown in its apps as `0300_4000` style pairs. */
export function errorCode(code: number): string {
  const hex = (code >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}_${hex.slice(4)}`;
}

/** `hms[].code >> 16`, as a name (`unknown` outside 1–4). */
export function hmsSeverity(code: number): 'fatal' | 'serious' | 'common' | 'info' | 'unknown' {
  return lookup(HMS_SEVERITY, Math.floor((code >>> 0) / 0x1_0000)) ?? 'unknown';
}

export function toSnapshot(
  report: PrintReport,
  version: VersionInfo | undefined,
  now: number,
  options: MapOptions = {},
): MachineSnapshot {
  const printError = validCode(report.print_error);
  const cancelled = printError === CANCELLED_PRINT_ERROR;
  const raw = report.gcode_state;
  let state: MachineSnapshot['state'];
  // Own entries only: a gcode_state "constructor" must not find Object's constructor.
  const known = lookup(STATES, raw);
  if (raw === 'FAILED') state = printError !== 0 && !cancelled ? 'error' : 'idle';
  else if (known !== undefined) state = known;
  else {
    state = 'unknown';
    if (raw !== undefined) options.unknownState?.(raw);
  }

  const errors: string[] = [];
  const warnings: string[] = [];
  // The cancel code is no error: it is how the printer says the user cancelled.
  if (printError !== 0 && !cancelled) errors.push(`print error ${errorCode(printError)}`);
  for (const hms of report.hms ?? []) {
    const severity = hmsSeverity(hms.code);
    const text = `HMS ${errorCode(hms.attr)}_${errorCode(hms.code)}`;
    if (severity === 'fatal' || severity === 'serious') errors.push(`${text} (${severity})`);
    else warnings.push(`warning: ${text} (${severity})`);
  }
  // A fatal or serious HMS stops the machine: an error whatever the gcode_state says (an offline
  // printer stays offline). A serious one on a paused printer is why it paused (filament run out,
  // a jam): the job is not lost, the operator fixes it and resumes, so it stays paused, with the
  // HMS listed. Common and info ones are warnings: the printer keeps its state.
  const worst = worstHms(report);
  if (state !== 'offline' && (worst === 'fatal' || (worst === 'serious' && state !== 'paused')))
    state = 'error';

  const result = jobResult(report, raw, printError, options.ended);
  const showsJob =
    state === 'printing' ||
    state === 'paused' ||
    (result !== undefined && Boolean(report.subtask_name || report.gcode_file));
  const started = Number(report.gcode_start_time ?? 0);
  const gauges: MachineSnapshot['gauges'] = [];
  const gauge = (name: string, value: number | undefined, target?: number) => {
    if (value !== undefined)
      gauges.push({ name, value, unit: '°C', ...(target !== undefined ? { target } : {}) });
  };
  gauge('nozzle_temperature', report.nozzle_temper, report.nozzle_target_temper);
  gauge('bed_temperature', report.bed_temper, report.bed_target_temper);
  gauge('chamber_temperature', report.chamber_temper);
  // At most 4 digits: a longer run is no signal strength (21 nines read as 1e21 dBm).
  const signal = report.wifi_signal?.match(/^(-?\d{1,4})dBm$/);
  if (signal) gauges.push({ name: 'wifi_signal', value: Number(signal[1]), unit: 'dBm' });

  const ota = version?.module.find((m) => m.name === 'ota');
  // OpenBambuAPI mqtt.md shows `get_version` with an empty `sn` for `ota`: the configured serial,
  // which the printer's topics are named by, is then the serial number.
  const serialNumber = ota?.sn || options.serial;
  return {
    state,
    ...(showsJob
      ? {
          job: {
            name: report.subtask_name || report.gcode_file || 'unnamed job',
            ...(report.task_id !== undefined ? { id: String(report.task_id) } : {}),
            ...(report.mc_percent !== undefined ? { progress: clamp(report.mc_percent) } : {}),
            ...(count(minutes(report.mc_remaining_time)) !== undefined
              ? { remainingSeconds: count(minutes(report.mc_remaining_time))! }
              : {}),
            ...(started > 0 ? { elapsedSeconds: Math.max(0, Math.round(now / 1000 - started)) } : {}),
            ...(count(report.layer_num) !== undefined ? { layer: count(report.layer_num)! } : {}),
            ...(result ? { result } : {}),
            ...(count(report.total_layer_num) !== undefined
              ? { layers: count(report.total_layer_num)! }
              : {}),
          },
        }
      : {}),
    gauges,
    errors: [...errors, ...warnings],
    ...(ota?.sw_ver ? { firmware: ota.sw_ver } : {}),
    ...(serialNumber ? { serialNumber } : {}),
  };
}

function worstHms(report: PrintReport): 'fatal' | 'serious' | undefined {
  const severities = (report.hms ?? []).map((h) => hmsSeverity(h.code));
  if (severities.includes('fatal')) return 'fatal';
  return severities.includes('serious') ? 'serious' : undefined;
}

/**
 * How the job the printer still shows ended. FINISH is finished; FAILED with the cancel code, or
 * without a code, is cancelled; FAILED with another code failed. With `ended`, the first result
 * the printer said outright (a code) stays for that job while its fields flap, and a job running
 * again forgets it.
 */
function jobResult(
  report: PrintReport,
  raw: string | undefined,
  printError: number,
  ended: EndedJob | undefined,
): JobResult | undefined {
  const key = `${String(report.task_id ?? '')}#${report.subtask_name || report.gcode_file || ''}`;
  if (raw === 'PREPARE' || raw === 'SLICING' || raw === 'RUNNING' || raw === 'PAUSE') {
    if (ended) forget(ended);
    return undefined;
  }
  let seen: JobResult | undefined;
  let certain = false;
  if (printError === CANCELLED_PRINT_ERROR) [seen, certain] = ['cancelled', true];
  else if (raw === 'FAILED' && printError !== 0) [seen, certain] = ['failed', true];
  else if (raw === 'FAILED') seen = 'cancelled';
  else if (raw === 'FINISH') seen = 'finished';
  if (!ended) return seen;
  if (ended.key !== key) forget(ended);
  if (seen && (ended.result === undefined || (certain && !ended.certain))) {
    ended.key = key;
    ended.result = seen;
    ended.certain = certain;
  }
  // IDLE (and INIT, OFFLINE) show no ended job; FAILED and FINISH show the one remembered.
  return raw === 'FAILED' || raw === 'FINISH' ? ended.result : undefined;
}

function forget(ended: EndedJob): void {
  delete ended.key;
  delete ended.result;
  delete ended.certain;
}

/** `print_error` as an unsigned 32-bit code; anything else (a float, a negative) is 0. */
function validCode(code: number | undefined): number {
  return code !== undefined && Number.isSafeInteger(code) && code > 0 ? code >>> 0 : 0;
}

function clamp(percent: number): number {
  return Math.min(100, Math.max(0, percent));
}

/**
 * A count or duration a printer reported, as a whole number the snapshot can hold: negative is 0;
 * not a number, infinite or past 2^53 (a broken firmware's value) is left out rather than failing
 * the printer's status.
 */
function minutes(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 60;
}

function count(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const whole = Math.max(0, Math.trunc(value));
  return Number.isSafeInteger(whole) ? whole : undefined;
}
