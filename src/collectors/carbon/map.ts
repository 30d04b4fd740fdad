import { finishedJob } from '../sdk/cloud-account-captures.ts';
import type { HistoricJob } from '../sdk/collector.ts';
import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import { resultFromWord } from '../sdk/past-job.ts';
import type { HistoricPrint, ModelPrint, Printer } from './protocol.ts';

type State = MachineSnapshot['state'];

/** `status.printer_state` (upper-cased) → Echo's state (assumed words, see README). */
export const STATES: Readonly<Record<string, State>> = {
  IDLE: 'idle',
  READY: 'idle',
  PRINTING: 'printing',
  PRINT_STARTING: 'printing',
  PRINT_FINISHING: 'printing',
  PAUSED: 'paused',
  PAUSING: 'paused',
  ERROR: 'error',
  FAULT: 'error',
  OFFLINE: 'offline',
  DISCONNECTED: 'offline',
  MAINTENANCE: 'maintenance',
  SERVICE: 'maintenance',
};

export function toSnapshot(p: Printer): { snapshot: MachineSnapshot; unknownState?: string } {
  const word = p.status?.printer_state?.toUpperCase();
  // Own entries only (lookup): a state word must never find what every object inherits.
  const known = lookup(STATES, word);
  const alerts = (p.status?.alerts ?? []).map((a) => a.slice(0, 300));
  const job = toJob(p.prints?.current ?? undefined, p.prints?.last ?? undefined);
  return {
    snapshot: {
      state: known ?? 'unknown',
      ...(job ? { job } : {}),
      gauges:
        p.prints?.queue_length != null
          ? [{ name: 'queue_length', value: p.prints.queue_length, unit: 'prints' }]
          : [],
      errors: alerts,
      serialNumber: p.serial,
      ...(p.status?.software_version ? { firmware: p.status.software_version } : {}),
    },
    ...(word !== undefined && known === undefined ? { unknownState: p.status!.printer_state! } : {}),
  };
}

/** The current print, else the last one (ended: `finished`, the API giving no other outcome). */
function toJob(current: ModelPrint | undefined, last: ModelPrint | undefined): MachineSnapshot['job'] {
  const print = current ?? last;
  if (!print) return undefined;
  const id = print.print_id ?? print.build_uuid ?? undefined;
  const name = print.name ?? id;
  if (name === undefined) return undefined;
  const ended = current === undefined || Boolean(print.finished_at);
  const started = print.started_at ? Date.parse(print.started_at) : Number.NaN;
  const finished = print.finished_at ? Date.parse(print.finished_at) : Number.NaN;
  const until = ended && Number.isFinite(finished) ? finished : Date.now();
  const elapsed =
    Number.isFinite(started) && until >= started ? Math.round((until - started) / 1000) : undefined;
  const remaining = !ended && print.remaining_sec != null ? print.remaining_sec : undefined;
  const progress = ended
    ? 100
    : elapsed !== undefined && remaining !== undefined && elapsed + remaining > 0
      ? (elapsed / (elapsed + remaining)) * 100
      : undefined;
  return {
    name,
    ...(id !== undefined ? { id } : {}),
    ...(progress !== undefined ? { progress: Math.min(100, progress) } : {}),
    ...(elapsed !== undefined ? { elapsedSeconds: elapsed } : {}),
    ...(remaining !== undefined ? { remainingSeconds: remaining } : {}),
    ...(ended ? { result: 'finished' as const } : {}),
  };
}

/**
 * One print of `/prints` as a finished job of printer `serial`; undefined for another printer's
 * print, or one without `finished_at` (still running).
 */
export function historicPrint(print: HistoricPrint, serial: string): HistoricJob | undefined {
  if (print.printer_serial != null && print.printer_serial !== serial) return undefined;
  return finishedJob({
    id: print.print_id,
    name: print.name ?? print.print_id,
    startedAt: print.started_at,
    endedAt: print.finished_at,
    // The API gives no outcome but the end: finished, unless a status word says otherwise.
    result: resultFromWord(print.status ?? undefined) ?? 'finished',
    captureTypeName: 'carbon3D.modeler.status',
    record: print,
    meta: {
      serial,
      source: 'carbon-history',
      print_id: print.print_id,
      build_uuid: print.build_uuid ?? null,
    },
  });
}
