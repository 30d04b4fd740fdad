import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { PrinterDoc, PrintJobDoc, SystemDoc } from './protocol.ts';

const PAUSED = new Set(['pausing', 'paused']);

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
          },
        }
      : {}),
    gauges,
    errors: printer.status === 'error' ? ['the printer reports an error (see its display)'] : [],
    ...(system ? { firmware: system.firmware } : {}),
    ...(system?.guid ? { serialNumber: system.guid } : {}),
  };
}
