import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';

export interface HaasReadings {
  serial: string;
  software: string;
  model: string;
  mode: string;
  status: string;
  program: string | undefined;
  parts: number | undefined;
  lastCycle: string | undefined;
  macros: Array<{ name: string; value: number; unit: string }>;
}

/** What `?Q500` said: `PROGRAM, O01234, IDLE, PARTS, 380` or, while a program runs, `STATUS, BUSY`. */
export interface Q500 {
  program?: string;
  status: string;
  parts?: number;
}

/**
 * `STATUS, BUSY` (a program runs) names neither the program nor the part count: the last ones the
 * control named stand (the program that was loaded when the cycle started), instead of the job
 * disappearing for the length of every cycle.
 */
export function withLastKnown(q500: Q500, last: { program?: string; parts?: number }): Q500 {
  return {
    ...q500,
    ...(q500.program === undefined && last.program !== undefined ? { program: last.program } : {}),
    ...(q500.parts === undefined && last.parts !== undefined ? { parts: last.parts } : {}),
  };
}

/** Q500 status words → the normalized state; a CNC "printing" is running a program. */
export function stateOf(status: string): MachineSnapshot['state'] {
  const s = status.toUpperCase();
  if (s === 'IDLE') return 'idle';
  if (s === 'BUSY' || s === 'RUNNING') return 'printing';
  if (s.includes('FEED HOLD') || s === 'STOPPED' || s === 'SINGLE BLOCK') return 'paused';
  if (s.includes('ALARM')) return 'error';
  return 'unknown';
}

/** `00012:34:56` → seconds. */
function hms(text: string | undefined): number | undefined {
  const m = text?.match(/^(\d+):(\d{2}):(\d{2})$/);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

export function toSnapshot(r: HaasReadings): MachineSnapshot {
  const state = stateOf(r.status);
  const gauges: MachineSnapshot['gauges'] = r.macros.map((m) => ({
    name: m.name,
    value: m.value,
    unit: m.unit,
  }));
  if (r.parts !== undefined) gauges.push({ name: 'parts_count', value: r.parts, unit: 'parts' });
  const cycle = hms(r.lastCycle);
  if (cycle !== undefined) gauges.push({ name: 'last_cycle_time', value: cycle, unit: 's' });
  return {
    state,
    ...((state === 'printing' || state === 'paused') && r.program ? { job: { name: r.program } } : {}),
    gauges,
    errors: state === 'error' ? [`alarm (${r.status})`] : [],
    firmware: r.software,
    serialNumber: r.serial,
  };
}
