import { CollectorError } from '../sdk/collector-error.ts';
import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import { IN_PROGRESS, type Printer, type PrintJob } from './protocol.ts';

type State = MachineSnapshot['state'];

/** The printer's `status` (JobStatus.java) → Echo's state; undefined for a word Echo does not know. */
const STATES: Record<string, State> = {
  Ready: 'idle',
  Completed: 'idle',
  Cancelled: 'idle',
  Deleted: 'idle',
  Printing: 'printing',
  Cancelling: 'printing',
  Paused: 'paused',
  PausedOutOfPrintMaterial: 'paused',
  PausedWithWarning: 'paused',
  Failed: 'error',
};

const RESULTS: Record<string, 'finished' | 'failed' | 'cancelled'> = {
  Completed: 'finished',
  Failed: 'failed',
  Cancelled: 'cancelled',
};

export function printerName(printer: Printer): string {
  return printer.configuration.name;
}

/** The printer this machine is: the one named in the connection, or the host's only one. */
export function selectPrinter(list: readonly Printer[], name: string | undefined, where: string): Printer {
  if (name !== undefined) {
    const found = list.find((p) => printerName(p) === name);
    if (found) return found;
    throw new CollectorError(
      'protocol',
      `${where}: Photonic3D has no printer named "${name}" (it lists ${describeNames(list)}); check connection.printer`,
    );
  }
  if (list.length === 1) return list[0]!;
  throw new CollectorError(
    'protocol',
    list.length === 0
      ? `${where}: Photonic3D lists no printer: configure one on the host`
      : `${where}: Photonic3D runs ${list.length} printers (${describeNames(list)}): name one in connection.printer`,
  );
}

function describeNames(list: readonly Printer[]): string {
  if (list.length === 0) return 'none';
  return list
    .slice(0, 10)
    .map((p) => `"${printerName(p)}"`)
    .join(', ');
}

/**
 * The printer's job: the one in progress, else the one started last (Photonic3D keeps ended jobs
 * in its list until they are deleted, with the status they ended with).
 */
export function currentJob(jobs: readonly PrintJob[], printer: string): PrintJob | undefined {
  const mine = jobs.filter((j) => j.printer?.configuration?.name === printer);
  const active = mine.find((j) => j.status && IN_PROGRESS.includes(j.status));
  if (active) return active;
  let latest: PrintJob | undefined;
  for (const job of mine) if (!latest || (job.startTime ?? 0) > (latest.startTime ?? 0)) latest = job;
  return latest;
}

/** Whether a job is still on the printer (not ended). */
export function inProgress(job: PrintJob | undefined): boolean {
  return job?.status != null && IN_PROGRESS.includes(job.status);
}

/**
 * Photonic3D printer + its job → the normalized snapshot. `unknownStatus` names a status word Echo
 * does not know (mapped to `unknown`), for the collector to log.
 */
export function toSnapshot(
  printer: Printer,
  job: PrintJob | undefined,
): { snapshot: MachineSnapshot; unknownStatus?: string } {
  const errors: string[] = [];
  let state: State;
  let unknownStatus: string | undefined;
  const status = printer.status ?? undefined;
  if (printer.started === false) {
    state = 'offline';
    errors.push(`Photonic3D has not started the printer "${printerName(printer)}" (start it on the host)`);
  } else if (status === undefined) {
    state = 'unknown';
  } else {
    // Own entries only: a printer saying "constructor" must not find Object's constructor.
    const mapped = lookup(STATES, status);
    state = mapped ?? 'unknown';
    if (!mapped) unknownStatus = status;
  }
  if (status === 'PausedOutOfPrintMaterial') errors.push('paused: out of resin (PausedOutOfPrintMaterial)');
  if (status === 'PausedWithWarning') errors.push('paused with a warning (see the printer)');
  if (state === 'error') {
    const why = job?.errorDescription?.trim();
    errors.push(why ? `the print failed: ${why.slice(0, 500)}` : 'the print failed');
  }
  return {
    snapshot: {
      state,
      ...(job ? { job: jobOf(job) } : {}),
      gauges:
        typeof printer.cachedBulbHours === 'number' && printer.cachedBulbHours >= 0
          ? [{ name: 'light_source_hours', value: printer.cachedBulbHours, unit: 'h' }]
          : [],
      errors,
    },
    ...(unknownStatus !== undefined ? { unknownStatus } : {}),
  };
}

function jobOf(job: PrintJob): NonNullable<MachineSnapshot['job']> {
  const total = job.totalSlices != null && job.totalSlices > 0 ? Math.floor(job.totalSlices) : undefined;
  const slice = job.currentSlice != null && job.currentSlice >= 0 ? Math.floor(job.currentSlice) : undefined;
  const ended = job.status != null && !IN_PROGRESS.includes(job.status);
  const result = ended ? lookup(RESULTS, job.status) : undefined;
  const progress =
    result === 'finished'
      ? 100
      : total !== undefined && slice !== undefined
        ? Math.round(Math.min(100, (slice / total) * 100) * 10) / 10
        : undefined;
  const average = job.averageSliceTime != null && job.averageSliceTime > 0 ? job.averageSliceTime : undefined;
  return {
    name: job.jobName ?? job.id,
    id: job.id,
    ...(progress !== undefined ? { progress } : {}),
    ...(job.elapsedTime != null && job.elapsedTime >= 0
      ? { elapsedSeconds: Math.round(job.elapsedTime / 1000) }
      : {}),
    ...(!ended && total !== undefined && average !== undefined
      ? { remainingSeconds: Math.round(((total - Math.min(total, slice ?? 0)) * average) / 1000) }
      : {}),
    ...(slice !== undefined ? { layer: Math.min(slice, total ?? slice) } : {}),
    ...(total !== undefined ? { layers: total } : {}),
    ...(result ? { result } : {}),
  };
}
