import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import { type PastJob, resultFromWord } from '../sdk/past-job.ts';
import { printerIso } from './printer-time.ts';
import type { HistoricJobDoc, PrinterDoc, PrintJobDoc, SystemDoc } from './protocol.ts';

/** Printer `status` values Echo knows, and the state each is. */
const STATUSES: Record<string, MachineSnapshot['state']> = {
  idle: 'idle',
  printing: 'printing',
  error: 'error',
  maintenance: 'maintenance',
  booting: 'unknown',
};

/** Job `state` values Echo knows (anything else leaves the printer's status to decide). */
export const JOB_STATES = new Set([
  'none',
  'printing',
  'pausing',
  'paused',
  'resuming',
  'pre_print',
  'post_print',
  'wait_cleanup',
  'wait_user_action',
]);

const PAUSED = new Set(['pausing', 'paused']);

/** The job is over (a result, if the printer gives one, is its outcome). */
const ENDED = new Set(['post_print', 'wait_cleanup']);

export interface MapOptions {
  /** The serial number from the machine's config (the local API has none: see README). */
  serialNumber?: string;
  /** Called with a status or job state Echo does not know (the collector logs each once). */
  onUnknown?: (field: 'status' | 'job_state', value: string) => void;
}

/**
 * An ended job the printer still shows (until the build plate is confirmed cleared) carries its
 * `result`: "Finished", "Aborted" or "Failed" in the printers' API. In `wait_cleanup` without a
 * result the job is taken as finished (the printer waits for its plate to be cleared).
 */
function resultOf(job: PrintJobDoc): { result?: 'finished' | 'failed' | 'cancelled' } {
  if (!ENDED.has(job.state)) return {};
  const result = resultFromWord(job.result ?? undefined);
  if (result) return { result };
  if (job.result) return { result: 'failed' };
  return job.state === 'wait_cleanup' ? { result: 'finished' } : {};
}

/** Ultimaker printer + print job documents → the normalized machine snapshot. */
export function toSnapshot(
  printer: PrinterDoc,
  job: PrintJobDoc | undefined,
  system: SystemDoc | undefined,
  options: MapOptions = {},
): MachineSnapshot {
  // Own entries only: a status "constructor" must not find Object's constructor.
  let state = lookup(STATUSES, printer.status);
  if (state === undefined) {
    options.onUnknown?.('status', printer.status);
    state = 'unknown';
  }
  if (job && !JOB_STATES.has(job.state)) options.onUnknown?.('job_state', job.state);
  if (state === 'printing' && job) {
    if (PAUSED.has(job.state)) state = 'paused';
    // The job ended and the printer waits for the operator to clear the build plate: no longer
    // printing, and ready once it is cleared.
    else if (job.state === 'wait_cleanup') state = 'idle';
  }
  const gauges: MachineSnapshot['gauges'] = [
    {
      name: 'bed_temperature',
      value: printer.bed.temperature.current,
      unit: '°C',
      target: printer.bed.temperature.target,
    },
  ];
  for (const [h, head] of printer.heads.entries()) {
    for (const [e, extruder] of head.extruders.entries()) {
      gauges.push({
        name:
          printer.heads.length > 1 ? `nozzle_${h + 1}_${e + 1}_temperature` : `nozzle_${e + 1}_temperature`,
        value: extruder.hotend.temperature.current,
        unit: '°C',
        target: extruder.hotend.temperature.target,
      });
    }
  }
  return {
    state,
    ...(job && job.state !== 'none'
      ? {
          job: {
            name: job.name,
            id: job.uuid,
            progress: Math.round(job.progress * 1000) / 10,
            elapsedSeconds: job.time_elapsed,
            remainingSeconds: Math.max(0, job.time_total - job.time_elapsed),
            ...resultOf(job),
          },
        }
      : {}),
    gauges,
    errors: printer.status === 'error' ? ['the printer reports an error (see its display)'] : [],
    ...(system ? { firmware: system.firmware } : {}),
    // `system.guid` identifies the printer's software installation, not its serial number.
    ...(options.serialNumber ? { serialNumber: options.serialNumber } : {}),
  };
}

/** A job of `/history/print_jobs` for the machine screen's job history (undefined: not ended). */
export function toPastJob(job: HistoricJobDoc): PastJob | undefined {
  const endedAt = printerIso(job.datetime_finished);
  if (!endedAt) return undefined;
  const startedAt = printerIso(job.datetime_started);
  const result = resultFromWord(job.result ?? undefined) ?? (job.result ? 'failed' : undefined);
  return {
    id: job.uuid,
    name: job.name,
    endedAt,
    ...(startedAt ? { startedAt } : {}),
    ...(result ? { result } : {}),
  };
}

/** The watermark of a historic job: its end (UTC) and uuid, sortable like time. */
export function historyReference(job: HistoricJobDoc): string | undefined {
  const ended = printerIso(job.datetime_finished);
  return ended ? `${ended}#${job.uuid}` : undefined;
}

export const REFERENCE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#\S+$/;
