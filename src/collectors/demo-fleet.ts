import type { MachineConfig } from '../shared/config/schema.ts';
import { UltimakerSimulator } from './ultimaker/simulator/ultimaker-simulator.ts';

/** Simulated machines for `echo-agent demo`, playing jobs in a loop. */
export interface DemoFleet {
  machines: Array<Pick<MachineConfig, 'name' | 'collector' | 'connection' | 'poll_interval'>>;
  close(): Promise<void>;
}

const JOBS = ['bracket-v3', 'housing-left', 'gear-12t', 'fixture-plate', 'clip-x40'];

/**
 * Starts one simulator per vendor that has one (a vendor's folder adds its line here). Each
 * prints a job, rests, and starts the next, ten times faster than life.
 */
export async function startDemoFleet(): Promise<DemoFleet> {
  const closers: Array<() => Promise<void>> = [];
  const machines: DemoFleet['machines'] = [];

  for (const name of ['ultimaker-s5-a', 'ultimaker-s5-b']) {
    const sim = await UltimakerSimulator.start({ speed: 10, name });
    let n = name.endsWith('b') ? 2 : 0;
    const next = () => sim.startJob(JOBS[n++ % JOBS.length]!, 600 + 300 * (n % 3));
    next();
    const timer = setInterval(() => {
      if (!sim.busy) next();
    }, 20_000);
    closers.push(async () => {
      clearInterval(timer);
      await sim.close();
    });
    machines.push({
      name,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 2,
    });
  }

  return {
    machines,
    async close() {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
