import type { MachineConfig } from '../../../shared/config/schema.ts';

/** What a vendor's demo adds to `echo-agent demo`: simulated machines and how to stop them. */
export interface DemoMachines {
  machines: Array<
    Pick<MachineConfig, 'name' | 'collector' | 'connection' | 'poll_interval'> & {
      credentials?: { username?: string; password_ref?: string };
      history?: { interval?: number; page_size?: number };
      /** A machine that takes start_job in the demo (its confirmation is shown in the UI). */
      commands?: { allow: MachineConfig['commands']['allow'] };
    }
  >;
  close(): Promise<void>;
}

/** Job names the demos print, so the dashboard looks like a shop floor. */
export const DEMO_JOBS = ['bracket-v3', 'housing-left', 'gear-12t', 'fixture-plate', 'clip-x40', 'benchy'];

/** Starts the next job whenever the simulator is free, checking every `everyMs`. */
export function loopJobs(
  busy: () => boolean,
  start: (name: string, n: number) => void,
  everyMs: number,
  offset = 0,
) {
  let n = offset;
  const next = () => {
    start(DEMO_JOBS[n % DEMO_JOBS.length]!, n);
    n++;
  };
  next();
  const timer = setInterval(() => {
    if (!busy()) next();
  }, everyMs);
  return () => clearInterval(timer);
}
