import type { PrintingPreset } from '../sdk/collector.ts';
import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import {
  BAY_STATES,
  type Bay,
  type ClusterStatus,
  ENDED,
  type Job,
  type PresetDetails,
  WORKING,
} from './protocol.ts';

type State = MachineSnapshot['state'];

const RESULTS: Record<string, 'finished' | 'failed' | 'cancelled'> = {
  completed: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * The cell's state from its bays (assumed model, see README): an error in any bay makes the cell
 * `error`; else any bay at work (printing, washing, curing) `printing`; else any paused `paused`;
 * else a bay state Echo does not know `unknown`; else every bay offline `offline`; any in
 * maintenance `maintenance`; else `idle`. No bays at all: `unknown`.
 */
export function cellState(bays: readonly Bay[]): { state: State; unknownStates: string[] } {
  const states = bays.map((b) => b.state ?? 'unknown');
  const unknownStates = states.filter((s) => !(BAY_STATES as readonly string[]).includes(s));
  let state: State;
  if (bays.length === 0) state = 'unknown';
  else if (states.includes('error')) state = 'error';
  else if (states.some((s) => WORKING.includes(s))) state = 'printing';
  else if (states.includes('paused')) state = 'paused';
  else if (unknownStates.length > 0) state = 'unknown';
  else if (states.every((s) => s === 'offline')) state = 'offline';
  else if (states.includes('maintenance')) state = 'maintenance';
  else state = 'idle';
  return { state, unknownStates: unknownStates.filter((s) => s !== 'unknown') };
}

/** The jobs the bays hold, once each (a job moves from bay to bay), in bay order. */
export function jobsOf(status: ClusterStatus): Job[] {
  const seen = new Map<string, Job>();
  for (const bay of status.bays) if (bay.job && !seen.has(bay.job.id)) seen.set(bay.job.id, bay.job);
  return [...seen.values()];
}

/** The job the snapshot shows: the first still running, else the first ended one a bay still shows. */
export function mainJob(status: ClusterStatus): Job | undefined {
  const jobs = jobsOf(status);
  return jobs.find((j) => !ENDED.includes(j.state ?? '')) ?? jobs[0];
}

export function toSnapshot(status: ClusterStatus): { snapshot: MachineSnapshot; unknownStates: string[] } {
  const { state, unknownStates } = cellState(status.bays);
  const errors = status.bays
    .filter((b) => b.state === 'error' || (b.error != null && b.error !== ''))
    .map((b) => `bay ${b.name ?? b.id}: ${(b.error ?? 'error').slice(0, 300)}`);
  const job = mainJob(status);
  const active = status.bays.filter((b) => b.state !== 'offline').length;
  return {
    snapshot: {
      state,
      ...(job ? { job: jobOf(job) } : {}),
      gauges: [
        {
          name: 'bays_working',
          value: status.bays.filter((b) => WORKING.includes(b.state ?? '')).length,
          unit: 'bays',
        },
        { name: 'bays_online', value: active, unit: 'bays' },
      ],
      errors,
      ...(status.cluster?.firmware ? { firmware: status.cluster.firmware } : {}),
      ...(status.cluster?.serial ? { serialNumber: status.cluster.serial } : {}),
    },
    unknownStates,
  };
}

function jobOf(job: Job): NonNullable<MachineSnapshot['job']> {
  // Own entries only: a job state "constructor" must not find Object's constructor.
  const result = lookup(RESULTS, job.state);
  return {
    name: job.name ?? job.id,
    id: job.id,
    ...(job.progress != null ? { progress: job.progress } : result === 'finished' ? { progress: 100 } : {}),
    ...(job.elapsed_s != null ? { elapsedSeconds: job.elapsed_s } : {}),
    ...(job.remaining_s != null && !result ? { remainingSeconds: job.remaining_s } : {}),
    ...(result ? { result } : {}),
  };
}

/** A preset's details → the cloud's preset: description = the steps in a line, details = the steps. */
export function toPreset(details: PresetDetails): PrintingPreset {
  const summary = details.steps.map((s) => {
    const facts: string[] = [];
    if (s.resin) facts.push(s.resin);
    if (s.layer_height_mm != null) facts.push(`${s.layer_height_mm} mm`);
    if (s.fluid) facts.push(s.fluid);
    if (s.temperature_c != null) facts.push(`${s.temperature_c} °C`);
    if (s.duration_s != null) facts.push(`${Math.round(s.duration_s / 60)} min`);
    return facts.length > 0 ? `${s.type} (${facts.join(', ')})` : s.type;
  });
  return {
    name: details.name,
    description: summary.join(' → '),
    details: details.steps.map((step, index) => ({ step: index + 1, ...step })),
  };
}
