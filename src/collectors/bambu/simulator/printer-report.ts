/** `print_error` of a print the user cancelled: 0x0300400C (`0300_400C`). */
export const CANCEL_PRINT_ERROR = 0x0300_400c;

/** An HMS entry of the given severity (`code >> 16`: 1 fatal, 2 serious, 3 common, 4 info). */
export function hmsEntry(
  severity: number,
  attr = 0x0300_0100,
  detail = 0x0001,
): { attr: number; code: number } {
  return { attr, code: severity * 0x1_0000 + detail };
}

/** A job the simulated printer runs (times in simulated seconds). */
export interface SimulatedJob {
  name: string;
  taskId: string;
  total: number;
  elapsed: number;
  startedAt: number;
  layers: number;
}

/** What the simulated printer is, at one moment: the input of its `print` report. */
export interface PrinterMoment {
  job: SimulatedJob | undefined;
  /** The last job that ended, which the printer keeps showing. */
  ended: SimulatedJob | undefined;
  gcodeState: string;
  printError: number;
  hms: ReadonlyArray<{ attr: number; code: number }>;
  nozzle: number;
  bed: number;
}

/** The full `print` object of a `push_status`, as an X1C reports it (OpenBambuAPI mqtt.md). */
export function printReport(moment: PrinterMoment): Record<string, unknown> {
  const { job, ended } = moment;
  const shown = job ?? ended;
  const progress = job
    ? Math.floor((job.elapsed / job.total) * 100)
    : moment.gcodeState === 'FINISH'
      ? 100
      : 0;
  return {
    gcode_state: moment.gcodeState,
    mc_percent: progress,
    mc_remaining_time: job ? Math.ceil((job.total - job.elapsed) / 60) : 0,
    gcode_start_time: job ? String(Math.floor(job.startedAt / 1000)) : '0',
    layer_num: job ? Math.floor((job.elapsed / job.total) * job.layers) : 0,
    total_layer_num: job?.layers ?? 0,
    subtask_name: shown?.name ?? '',
    gcode_file: shown ? `/data/Metadata/${shown.name}.gcode` : '',
    task_id: shown?.taskId ?? '0',
    nozzle_temper: Math.round(moment.nozzle * 10) / 10,
    nozzle_target_temper: job ? 220 : 0,
    bed_temper: Math.round(moment.bed * 10) / 10,
    bed_target_temper: job ? 55 : 0,
    chamber_temper: 28,
    print_error: moment.printError,
    hms: moment.hms,
    wifi_signal: '-48dBm',
    spd_lvl: 2,
  };
}

/** The fields of `next` that differ from `previous`: what a partial push carries. */
export function reportDelta(
  previous: Record<string, unknown>,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const delta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (JSON.stringify(value) !== JSON.stringify(previous[key])) delta[key] = value;
  }
  return delta;
}

/** A temperature moving toward its target by at most `step`. */
export function approach(value: number, target: number, step: number): number {
  return value < target ? Math.min(target, value + step) : Math.max(target, value - step);
}
