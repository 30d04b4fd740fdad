import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { PrinterDoc, PrintJobDoc, SystemDoc } from './protocol.ts';

const PAUSED = new Set(['pausing', 'paused']);

const ENDED = new Set(['post_print', 'wait_cleanup']);

/**
 * An ended job the printer still shows (until the build plate is confirmed cleared) carries its
 * `result`: "Finished", "Aborted" or "Failed" in the printers' API.
 */
function resultOf(job: PrintJobDoc): { result?: 'finished' | 'failed' | 'cancelled' } {
  if (!ENDED.has(job.state) || !job.result) return {};
  const result = job.result.toLowerCase();
  if (result.startsWith('finish')) return { result: 'finished' };
  if (result.startsWith('abort')) return { result: 'cancelled' };
  return { result: 'failed' };
}

/** Ultimaker printer + print job documents → the normalized machine snapshot. */
export function toSnapshot(
  printer: PrinterDoc,
  job: PrintJobDoc | undefined,
  system: SystemDoc | undefined,
): MachineSnapshot {
  let state: MachineSnapshot['state'];
  switch (printer.status) {
    case 'printing':
      state = job && PAUSED.has(job.state) ? 'paused' : 'printing';
      break;
    case 'idle':
    case 'error':
    case 'maintenance':
      state = printer.status;
      break;
    default:
      state = 'unknown';
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
    ...(system?.guid ? { serialNumber: system.guid } : {}),
  };
}
