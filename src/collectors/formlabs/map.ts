import { finishedJob } from '../sdk/cloud-account-captures.ts';
import type { HistoricJob } from '../sdk/collector.ts';
import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { FormlabsPrinter, PrintRun, WebPrint } from './protocol.ts';

type State = MachineSnapshot['state'];

/** `printer_status.status` (Web API) and a PreFormServer device's `status` → Echo's states. */
export const STATES: Readonly<Record<string, State>> = {
  IDLE: 'idle',
  READY: 'idle',
  PRINTING: 'printing',
  PREHEAT: 'printing',
  PREPRINT: 'printing',
  PRECOAT: 'printing',
  POSTCOAT: 'printing',
  PAUSING: 'paused',
  PAUSED: 'paused',
  WAITING_FOR_RESOLUTION: 'paused',
  ERROR: 'error',
  OFFLINE: 'offline',
  DISCONNECTED: 'offline',
  MAINTENANCE: 'maintenance',
  CALIBRATING: 'maintenance',
};

/** `current_print_run.status` of an ended job → its result. */
export const RESULTS: Record<string, 'finished' | 'failed' | 'cancelled'> = {
  FINISHED: 'finished',
  ABORTED: 'cancelled',
  ERROR: 'failed',
};

export function toSnapshot(entry: FormlabsPrinter): { snapshot: MachineSnapshot; unknownState?: string } {
  if (entry.source === 'local') {
    const device = entry.device;
    const word = device.status?.toUpperCase();
    // Own entries only (lookup): a status word must never find what every object inherits.
    const known = lookup(STATES, word);
    let state: State = known ?? 'unknown';
    if (device.is_connected === false) state = 'offline';
    return {
      snapshot: {
        state,
        gauges: [],
        errors: device.is_connected === false ? ['PreFormServer lists the printer as not connected'] : [],
        serialNumber: device.id,
        ...(device.firmware_version ? { firmware: device.firmware_version } : {}),
      },
      ...(word !== undefined && known === undefined ? { unknownState: device.status! } : {}),
    };
  }
  const printer = entry.printer;
  const word = printer.printer_status?.status?.toUpperCase();
  const known = lookup(STATES, word);
  const run = printer.printer_status?.current_print_run ?? undefined;
  const job = run ? toJob(run) : undefined;
  const errors: string[] = [];
  if (word === 'WAITING_FOR_RESOLUTION' || run?.status?.toUpperCase() === 'WAITING_FOR_RESOLUTION')
    errors.push('the printer waits for an operator on its screen');
  if (known === 'error' || job?.result === 'failed')
    errors.push(`the print run ended in ${run?.status ?? 'an error'}`);
  return {
    snapshot: {
      state: known ?? 'unknown',
      ...(job ? { job } : {}),
      gauges: [],
      errors,
      serialNumber: printer.serial,
      ...(printer.firmware_version ? { firmware: printer.firmware_version } : {}),
    },
    ...(word !== undefined && known === undefined ? { unknownState: printer.printer_status!.status! } : {}),
  };
}

function toJob(run: PrintRun): NonNullable<MachineSnapshot['job']> | undefined {
  const id = run.guid ?? undefined;
  const name = run.name ?? id;
  if (name === undefined) return undefined;
  const result = lookup(RESULTS, run.status?.toUpperCase());
  const layer = run.currently_printing_layer ?? undefined;
  const layers = run.layer_count ?? undefined;
  let progress: number | undefined;
  if (result === 'finished') progress = 100;
  else if (layer !== undefined && layers !== undefined && layers > 0)
    progress = Math.min(100, (layer / layers) * 100);
  return {
    name,
    ...(id !== undefined ? { id } : {}),
    ...(progress !== undefined ? { progress } : {}),
    ...(run.elapsed_duration_ms != null
      ? { elapsedSeconds: Math.round(run.elapsed_duration_ms / 1000) }
      : {}),
    ...(run.estimated_time_remaining_ms != null && result === undefined
      ? { remainingSeconds: Math.round(run.estimated_time_remaining_ms / 1000) }
      : {}),
    ...(layer !== undefined ? { layer } : {}),
    ...(layers !== undefined ? { layers } : {}),
    ...(result ? { result } : {}),
  };
}

/**
 * One print of `/prints/` as a finished job of printer `serial` (`guid` the job id, as in the live
 * snapshot); undefined for another printer's print, or one not ended (no `print_finished_at`, or a
 * status that is not FINISHED, ABORTED or ERROR).
 */
export function historicPrint(print: WebPrint, serial: string): HistoricJob | undefined {
  if (print.printer != null && print.printer !== serial) return undefined;
  return finishedJob({
    id: print.guid,
    name: print.name ?? print.guid,
    startedAt: print.print_started_at,
    endedAt: print.print_finished_at,
    result: lookup(RESULTS, print.status?.toUpperCase()),
    captureTypeName: 'formlabs.modeler.status',
    record: print,
    meta: { serial, source: 'formlabs-history', guid: print.guid, status: print.status ?? null },
  });
}
