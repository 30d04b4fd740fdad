import { finishedJob } from '../sdk/cloud-account-captures.ts';
import type { HistoricJob } from '../sdk/collector.ts';
import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { ActiveJob, Device, PrintJob } from './protocol.ts';

type State = MachineSnapshot['state'];

/** A device's `status` (upper-cased) → Echo's state (assumed words, see README). */
export const STATES: Readonly<Record<string, State>> = {
  IDLE: 'idle',
  READY: 'idle',
  COMPLETE: 'idle',
  COMPLETED: 'idle',
  PRINTING: 'printing',
  PREPARING: 'printing',
  HEATING: 'printing',
  PAUSING: 'paused',
  PAUSED: 'paused',
  ERROR: 'error',
  FAILED: 'error',
  OFFLINE: 'offline',
  DISCONNECTED: 'offline',
  MAINTENANCE: 'maintenance',
  CALIBRATING: 'maintenance',
};

/** `active_job.status` of an ended job → its result. */
export const RESULTS: Record<string, 'finished' | 'failed' | 'cancelled'> = {
  COMPLETE: 'finished',
  COMPLETED: 'finished',
  FINISHED: 'finished',
  CANCELLED: 'cancelled',
  CANCELED: 'cancelled',
  ABORTED: 'cancelled',
  FAILED: 'failed',
  ERROR: 'failed',
};

export function toSnapshot(device: Device): { snapshot: MachineSnapshot; unknownState?: string } {
  const word = device.status?.toUpperCase();
  // Own entries only (lookup): a status word must never find what every object inherits.
  const known = lookup(STATES, word);
  const job = device.active_job ? toJob(device.active_job) : undefined;
  const errors: string[] = [];
  if (known === 'error' || job?.result === 'failed')
    errors.push(
      `Eiger reports the device ${device.status ?? ''}${device.active_job?.status ? ` (job ${device.active_job.status})` : ''}`.trim(),
    );
  return {
    snapshot: {
      state: known ?? 'unknown',
      ...(job ? { job } : {}),
      gauges: [],
      errors,
      ...(device.serial ? { serialNumber: device.serial } : {}),
      ...(device.firmware_version ? { firmware: device.firmware_version } : {}),
    },
    ...(word !== undefined && known === undefined ? { unknownState: device.status! } : {}),
  };
}

function toJob(job: ActiveJob): NonNullable<MachineSnapshot['job']> {
  const result = lookup(RESULTS, job.status?.toUpperCase());
  const progress = result === 'finished' ? 100 : job.progress != null ? job.progress * 100 : undefined;
  const started = job.started_at ? Date.parse(job.started_at) : Number.NaN;
  const end = job.estimated_end_at ? Date.parse(job.estimated_end_at) : Number.NaN;
  const now = Date.now();
  return {
    name: job.name ?? job.build_name ?? job.id,
    id: job.id,
    ...(progress !== undefined ? { progress: Math.min(100, progress) } : {}),
    ...(Number.isFinite(started) && started <= now
      ? { elapsedSeconds: Math.round((now - started) / 1000) }
      : {}),
    ...(Number.isFinite(end) && result === undefined
      ? { remainingSeconds: Math.max(0, Math.round((end - now) / 1000)) }
      : {}),
    ...(job.current_layer != null ? { layer: job.current_layer } : {}),
    ...(job.total_layers != null ? { layers: job.total_layers } : {}),
    ...(result ? { result } : {}),
  };
}

/**
 * One job of `/print_jobs` as a finished job of `device` (`serial` the machine's config names);
 * undefined for another device's job, or one not ended (no end time, or a status not in `RESULTS`).
 */
export function historicJob(job: PrintJob, device: Device, serial: string): HistoricJob | undefined {
  if (job.device != null && job.device !== device.id && job.device !== device.serial) return undefined;
  return finishedJob({
    id: job.id,
    name: job.name ?? job.build_name ?? job.id,
    startedAt: job.started_at,
    endedAt: job.finished_at ?? job.ended_at,
    result: lookup(RESULTS, job.status?.toUpperCase()),
    captureTypeName: 'markforged.modeler.status',
    record: job,
    meta: {
      serial,
      device_id: device.id,
      source: 'markforged-history',
      job_id: job.id,
      status: job.status ?? null,
    },
  });
}
