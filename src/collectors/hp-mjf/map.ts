import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { PRINTER_STATES, PrinterJob, PrinterStatus } from './assumed-api.ts';

type State = MachineSnapshot['state'];

/** The printer's state word → Echo's (README "Mapping"); a word not listed is `unknown`. */
const STATES: Record<(typeof PRINTER_STATES)[number], State> = {
  idle: 'idle',
  ready: 'idle',
  warming_up: 'printing',
  printing: 'printing',
  // The build unit cools in the printer after the last layer: the printer is still held by the job.
  cooling: 'printing',
  paused: 'paused',
  error: 'error',
  maintenance: 'maintenance',
};

const RESULTS: Record<string, 'finished' | 'failed' | 'cancelled'> = {
  completed: 'finished',
  aborted: 'cancelled',
  failed: 'failed',
};

export function toSnapshot(status: PrinterStatus): { snapshot: MachineSnapshot; unknownState?: string } {
  const word = (status.state ?? '').toLowerCase();
  // Own entries only: a printer saying "constructor" must not find Object's constructor.
  const mapped = lookup(STATES, word);
  const known = mapped !== undefined;
  const state: State = mapped ?? 'unknown';
  const alerts = status.alerts ?? [];
  const errors = alerts
    .filter((a) => (a.severity ?? '').toLowerCase() === 'error')
    .map((a) => `${a.code ?? 'alert'}: ${(a.message ?? '').slice(0, 300)}`);
  const gauges: MachineSnapshot['gauges'] = [];
  for (const m of status.materials ?? []) {
    if (m.level_percent != null)
      gauges.push({ name: `material_${m.slot}`, value: m.level_percent, unit: '%' });
  }
  const warnings = alerts.filter((a) => (a.severity ?? '').toLowerCase() === 'warning').length;
  gauges.push({ name: 'alerts_warning', value: warnings, unit: 'alerts' });
  return {
    snapshot: {
      state,
      ...(status.job ? { job: jobOf(status.job) } : {}),
      gauges,
      errors,
      ...(status.printer?.firmware ? { firmware: status.printer.firmware } : {}),
      ...(status.printer?.serial ? { serialNumber: status.printer.serial } : {}),
    },
    ...(!known && word !== '' ? { unknownState: status.state! } : {}),
  };
}

function jobOf(job: PrinterJob): NonNullable<MachineSnapshot['job']> {
  const result = lookup(RESULTS, (job.state ?? '').toLowerCase());
  return {
    name: job.name ?? job.id,
    id: job.id,
    ...(job.progress != null ? { progress: job.progress } : result === 'finished' ? { progress: 100 } : {}),
    ...(job.current_layer != null ? { layer: job.current_layer } : {}),
    ...(job.total_layers != null ? { layers: job.total_layers } : {}),
    ...(job.elapsed_s != null ? { elapsedSeconds: job.elapsed_s } : {}),
    ...(job.remaining_s != null && !result ? { remainingSeconds: job.remaining_s } : {}),
    ...(result ? { result } : {}),
  };
}
