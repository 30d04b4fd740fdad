import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { PrintReport, VersionInfo } from './protocol.ts';

/** `gcode_state` → the normalized state. FAILED with an error code is an error; without, idle. */
function stateOf(report: PrintReport): MachineSnapshot['state'] {
  switch (report.gcode_state) {
    case 'IDLE':
    case 'FINISH':
      return 'idle';
    case 'PREPARE':
    case 'SLICING':
    case 'RUNNING':
      return 'printing';
    case 'PAUSE':
      return 'paused';
    case 'FAILED':
      return (report.print_error ?? 0) !== 0 ? 'error' : 'idle';
    default:
      return 'unknown';
  }
}

/** Bambu writes `print_error` as a 32-bit code shown in its apps as `0300_4000` style pairs. */
export function errorCode(code: number): string {
  const hex = code.toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}_${hex.slice(4)}`;
}

export function toSnapshot(
  report: PrintReport,
  version: VersionInfo | undefined,
  now: number,
): MachineSnapshot {
  const state = stateOf(report);
  // FINISH and FAILED keep the last job on the printer (and in its reports) until the next one:
  // shown as an ended job with its result. FAILED without an error code is a cancel.
  const result =
    report.gcode_state === 'FINISH'
      ? 'finished'
      : report.gcode_state === 'FAILED'
        ? (report.print_error ?? 0) !== 0
          ? 'failed'
          : 'cancelled'
        : undefined;
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
  const signal = report.wifi_signal?.match(/^(-?\d+)dBm$/);
  if (signal) gauges.push({ name: 'wifi_signal', value: Number(signal[1]), unit: 'dBm' });

  const errors: string[] = [];
  if ((report.print_error ?? 0) !== 0) errors.push(`print error ${errorCode(report.print_error!)}`);
  for (const hms of report.hms ?? []) {
    errors.push(`HMS ${errorCode(hms.attr)}_${errorCode(hms.code)}`);
  }
  const ota = version?.module.find((m) => m.name === 'ota');
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
    errors,
    ...(ota?.sw_ver ? { firmware: ota.sw_ver } : {}),
    ...(ota?.sn ? { serialNumber: ota.sn } : {}),
  };
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
