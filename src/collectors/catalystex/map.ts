import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import { resultFromWord } from '../sdk/past-job.ts';
import { type Fields, numberOf, type StatusFile } from './status-file.ts';

type State = MachineSnapshot['state'];

/**
 * The printer's status word (`general.modelerStatus`, else `mariner.internalState` without its
 * `stt` prefix), lower-cased with spaces and dashes removed → Echo's state. Only `Building` is
 * confirmed by the sources; the rest are the words CatalystEX shows, mapped where their meaning is
 * clear. Anything else is `unknown`: not guessed.
 */
const STATES: Record<string, State> = {
  building: 'printing',
  printing: 'printing',
  paused: 'paused',
  pausing: 'paused',
  pause: 'paused',
  idle: 'idle',
  ready: 'idle',
  standby: 'idle',
  completed: 'idle',
  done: 'idle',
  partdone: 'idle',
  waitingforpartremoval: 'idle',
  error: 'error',
  fault: 'error',
  faulted: 'error',
  halted: 'error',
  loadingmaterial: 'maintenance',
  unloadingmaterial: 'maintenance',
  loadmaterial: 'maintenance',
  unloadmaterial: 'maintenance',
  calibrating: 'maintenance',
  tipcleaning: 'maintenance',
  maintenance: 'maintenance',
};

/** The status word the printer reports, as it wrote it (braces removed), or undefined. */
export function statusWord(file: StatusFile): string | undefined {
  const general = file.sections.general?.modelerStatus?.trim();
  if (general) return general;
  const internal = file.sections.mariner?.internalState?.trim();
  return internal ? internal.replace(/^stt/, '') : undefined;
}

export function stateOf(word: string | undefined): State {
  if (!word) return 'unknown';
  const key = word.toLowerCase().replace(/[\s_-]+/g, '');
  // Own keys only: a printer saying "Constructor" must not find Object's constructor.
  return lookup(STATES, key) ?? 'unknown';
}

/** `{-jobName …}` of a section that names a job, or undefined (an empty record is no job). */
export function jobOf(fields: Fields | undefined): Fields | undefined {
  return fields?.jobName?.trim() ? fields : undefined;
}

function gauge(
  gauges: MachineSnapshot['gauges'],
  name: string,
  value: number | undefined,
  target: number | undefined,
  unit: string,
): void {
  if (value === undefined) return;
  gauges.push({ name, value, unit, ...(target !== undefined ? { target } : {}) });
}

export function toSnapshot(file: StatusFile): MachineSnapshot {
  const word = statusWord(file);
  const state = stateOf(word);
  const general = file.sections.general ?? {};
  const current = jobOf(file.sections.currentJob);
  const gauges: MachineSnapshot['gauges'] = [];
  gauge(
    gauges,
    'model_head_temperature',
    numberOf(general.partCurrentTemp),
    numberOf(general.partSetTemp),
    '°C',
  );
  gauge(
    gauges,
    'support_head_temperature',
    numberOf(general.supportCurrentTemp),
    numberOf(general.supportSetTemp),
    '°C',
  );
  gauge(
    gauges,
    'chamber_temperature',
    numberOf(general.envelopeCurrentTemp),
    numberOf(general.envelopeSetTemp),
    '°C',
  );
  if (file.records.queue !== undefined)
    gauges.push({ name: 'queue_length', value: file.queue.length, unit: 'jobs' });

  let job: MachineSnapshot['job'];
  const ended = current ? resultFromWord(current.completionStatus) : undefined;
  if (current && (state === 'printing' || state === 'paused' || (ended && state !== 'error'))) {
    const layer = numberOf(current.currentLayer);
    const layers = numberOf(current.totalLayers);
    const elapsed = numberOf(current.buildTime) ?? numberOf(general.elapsedBuildTime);
    const estimate = numberOf(current.estimatedBuildTime);
    const active = state === 'printing' || state === 'paused';
    job = {
      name: current.jobName!.trim(),
      ...(current.jobId?.trim() ? { id: current.jobId.trim() } : {}),
      ...(layers && layers > 0 && layer !== undefined && layer >= 0
        ? { progress: Math.min(100, (layer / layers) * 100) }
        : {}),
      ...(layer !== undefined && Number.isInteger(layer) && layer >= 0 ? { layer } : {}),
      ...(layers !== undefined && Number.isInteger(layers) && layers >= 0 ? { layers } : {}),
      ...(elapsed !== undefined && elapsed >= 0 ? { elapsedSeconds: elapsed } : {}),
      ...(active && estimate !== undefined && elapsed !== undefined
        ? { remainingSeconds: Math.max(0, estimate - elapsed) }
        : {}),
      ...(!active && ended ? { result: ended } : {}),
    };
  }
  const explanation = general.modelerExplanation?.trim();
  const firmware = general.controllerVersion?.trim() || file.sections.mariner?.productVersion?.trim();
  const serial = file.sections.mariner?.productSerialNumber?.trim();
  return {
    state,
    ...(job ? { job } : {}),
    gauges,
    errors:
      state === 'error' ? [explanation ? `${word}: ${explanation}` : `the printer reports "${word}"`] : [],
    ...(firmware ? { firmware } : {}),
    ...(serial ? { serialNumber: serial } : {}),
  };
}
