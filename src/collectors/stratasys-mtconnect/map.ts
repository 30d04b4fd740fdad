import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { Observation } from './protocol.ts';

/** MTConnect `Execution` → the normalized state (MTConnect Part 2 / 3 vocabulary). */
const EXECUTION: Record<string, MachineSnapshot['state']> = {
  READY: 'idle',
  STOPPED: 'idle',
  PROGRAM_COMPLETED: 'idle',
  ACTIVE: 'printing',
  // The program runs but waits for something outside it (a material change, a chamber to heat):
  // the job is still on.
  WAIT: 'printing',
  INTERRUPTED: 'paused',
  FEED_HOLD: 'paused',
  OPTIONAL_STOP: 'paused',
  PROGRAM_STOPPED: 'paused',
  PROGRAM_OPTIONAL_STOP: 'paused',
};

/**
 * `ControllerMode` values under which no program job runs: the operator drives the machine by hand
 * (MANUAL) or edits a program (EDIT). A running Execution there is not a print.
 */
const HAND_MODES = new Set(['MANUAL', 'EDIT']);

const available = (value: string | undefined): value is string =>
  value !== undefined && value !== '' && value !== 'UNAVAILABLE';

/**
 * The latest value of `name` with the first of `subTypes` the agent has (`undefined` in the list
 * stands for an item without a subType), or undefined when that one is UNAVAILABLE. Other
 * subTypes (a `TARGET` part count, a `SCHEDULE` program) are never taken, whatever their sequence.
 */
function pick(
  observations: readonly Observation[],
  name: string,
  subTypes: ReadonlyArray<string | undefined>,
): string | undefined {
  for (const subType of subTypes) {
    const found = observations
      .filter((o) => o.name === name && o.category !== 'Condition' && o.subType === subType)
      .at(-1);
    if (found) return available(found.value) ? found.value : undefined;
  }
  return undefined;
}

/** The readings the mapping uses, each picked by name and subType. */
export function readingsOf(observations: readonly Observation[]) {
  const latest = (name: string) => observations.filter((o) => o.name === name).at(-1)?.value;
  const known = (name: string) => pick(observations, name, [undefined]);
  return {
    availability: latest('Availability'),
    execution: latest('Execution'),
    controllerMode: known('ControllerMode'),
    // MAIN is the program the job was started with, ACTIVE the one running now (a subprogram).
    program: pick(observations, 'Program', ['MAIN', undefined, 'ACTIVE']),
    // ALL counts every part, GOOD the good ones; TARGET and REMAINING are not counts of parts made.
    partCount: pick(observations, 'PartCount', ['ALL', undefined, 'GOOD']),
    // The standard `Firmware` with subType VERSION first, then Stratasys's `FirmwareVersion`.
    firmware: pick(observations, 'Firmware', ['VERSION']) ?? known('FirmwareVersion'),
    serialNumber: known('SerialNumber'),
  };
}

/** The latest observation of each data item of a `/current` document → the normalized model. */
export function toSnapshot(observations: readonly Observation[]): MachineSnapshot {
  const r = readingsOf(observations);
  const faults = observations.filter((o) => o.category === 'Condition' && o.name === 'Fault');
  // Own entries only: an Execution "constructor" must not find Object's constructor.
  let state: MachineSnapshot['state'] = lookup(EXECUTION, r.execution) ?? 'unknown';
  const byHand = r.controllerMode !== undefined && HAND_MODES.has(r.controllerMode);
  // MANUAL or EDIT: READY/STOPPED are idle as always; a running Execution is someone at the
  // machine (jogging, loading material), shown as maintenance, and no job is reported.
  if (byHand && (state === 'printing' || state === 'paused')) state = 'maintenance';
  if (faults.length > 0) state = 'error';
  if (r.availability === 'UNAVAILABLE') state = 'offline';
  const gauges: MachineSnapshot['gauges'] = observations
    .filter((o) => o.category === 'Samples' && o.name === 'Temperature' && o.value !== 'UNAVAILABLE')
    .map((o) => ({
      name: `${o.component.toLowerCase().replace(/[^a-z0-9]+/g, '_')}_temperature`,
      value: Number(o.value),
      unit: '°C',
    }))
    .filter((g) => Number.isFinite(g.value));
  const parts = r.partCount === undefined ? Number.NaN : Number(r.partCount);
  if (Number.isFinite(parts)) gauges.push({ name: 'part_count', value: parts, unit: 'parts' });
  return {
    state,
    ...((state === 'printing' || state === 'paused') && r.program ? { job: { name: r.program } } : {}),
    gauges,
    errors: faults.map((f) => `${f.type ?? 'fault'}: ${f.value || 'fault'}`),
    ...(r.firmware ? { firmware: r.firmware } : {}),
    ...(r.serialNumber ? { serialNumber: r.serialNumber } : {}),
  };
}
