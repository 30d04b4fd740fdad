import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { Observation } from './protocol.ts';

const EXECUTION: Record<string, MachineSnapshot['state']> = {
  READY: 'idle',
  STOPPED: 'idle',
  PROGRAM_COMPLETED: 'idle',
  ACTIVE: 'printing',
  INTERRUPTED: 'paused',
  FEED_HOLD: 'paused',
  OPTIONAL_STOP: 'paused',
  PROGRAM_STOPPED: 'paused',
};

/** The latest observation of each data item of a `/current` document → the normalized model. */
export function toSnapshot(observations: readonly Observation[]): MachineSnapshot {
  const latest = (name: string) => observations.filter((o) => o.name === name).at(-1)?.value;
  const faults = observations.filter((o) => o.category === 'Condition' && o.name === 'Fault');
  const availability = latest('Availability');
  let state: MachineSnapshot['state'] = EXECUTION[latest('Execution') ?? ''] ?? 'unknown';
  if (faults.length > 0) state = 'error';
  if (availability === 'UNAVAILABLE') state = 'offline';
  const program = latest('Program');
  const gauges: MachineSnapshot['gauges'] = observations
    .filter((o) => o.category === 'Samples' && o.name === 'Temperature' && o.value !== 'UNAVAILABLE')
    .map((o) => ({
      name: `${o.component.toLowerCase().replace(/[^a-z0-9]+/g, '_')}_temperature`,
      value: Number(o.value),
      unit: '°C',
    }))
    .filter((g) => Number.isFinite(g.value));
  const parts = Number(latest('PartCount'));
  if (Number.isFinite(parts)) gauges.push({ name: 'part_count', value: parts, unit: 'parts' });
  return {
    state,
    ...((state === 'printing' || state === 'paused') && program && program !== 'UNAVAILABLE'
      ? { job: { name: program } }
      : {}),
    gauges,
    errors: faults.map((f) => `${f.type ?? 'fault'}: ${f.value || 'fault'}`),
    ...(latest('FirmwareVersion') ? { firmware: latest('FirmwareVersion')! } : {}),
    ...(latest('SerialNumber') ? { serialNumber: latest('SerialNumber')! } : {}),
  };
}
