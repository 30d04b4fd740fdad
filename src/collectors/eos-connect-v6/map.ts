import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { MachineDoc } from './protocol.ts';

const STATES: Record<string, MachineSnapshot['state']> = {
  idle: 'idle',
  ready: 'idle',
  building: 'printing',
  exposing: 'printing',
  recoating: 'printing',
  paused: 'paused',
  error: 'error',
  maintenance: 'maintenance',
  service: 'maintenance',
};

export function toSnapshot(doc: MachineDoc, now: number): MachineSnapshot {
  // Own entries only: a state "constructor" must not find Object's constructor.
  const state = lookup(STATES, doc.state.toLowerCase()) ?? 'unknown';
  const job = doc.currentJob;
  const gauges: MachineSnapshot['gauges'] = [];
  if (doc.process?.oxygenPercent !== undefined)
    gauges.push({ name: 'oxygen', value: doc.process.oxygenPercent, unit: '%' });
  if (doc.process?.chamberTemperature !== undefined)
    gauges.push({ name: 'chamber_temperature', value: doc.process.chamberTemperature, unit: '°C' });
  if (doc.process?.platformTemperature !== undefined)
    gauges.push({ name: 'platform_temperature', value: doc.process.platformTemperature, unit: '°C' });
  const active = job && (state === 'printing' || state === 'paused');
  const started = job?.startTime ? Date.parse(job.startTime) : Number.NaN;
  const ends = job?.estimatedEndTime ? Date.parse(job.estimatedEndTime) : Number.NaN;
  return {
    state,
    ...(active
      ? {
          job: {
            name: job.name,
            id: String(job.id),
            ...(job.totalLayers
              ? { progress: Math.min(100, ((job.currentLayer ?? 0) / job.totalLayers) * 100) }
              : {}),
            ...(job.currentLayer !== undefined ? { layer: job.currentLayer } : {}),
            ...(job.totalLayers !== undefined ? { layers: job.totalLayers } : {}),
            ...(Number.isFinite(started)
              ? { elapsedSeconds: Math.max(0, Math.round((now - started) / 1000)) }
              : {}),
            ...(Number.isFinite(ends)
              ? { remainingSeconds: Math.max(0, Math.round((ends - now) / 1000)) }
              : {}),
          },
        }
      : {}),
    gauges,
    errors: doc.errors.map((e) => `${e.code}: ${e.text}`),
    ...(doc.softwareVersion ? { firmware: doc.softwareVersion } : {}),
    serialNumber: doc.serialNumber,
  };
}
