import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { CatalystexSimulator } from './catalystex-simulator.ts';

/** A uPrint SE Plus on its status port: a queue of two jobs, each built in about a minute. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await CatalystexSimulator.start();
  const stop = loopJobs(
    () => sim.busy || sim.queue.length > 0,
    (job) => {
      sim.submit(`${job}.cmb`, { layers: 600, durationMs: 60_000 });
      sim.submit(`${job}-spare.cmb`, { layers: 300, durationMs: 30_000 });
    },
    15_000,
    2,
  );
  return {
    machines: [
      {
        name: 'uprint-se-plus',
        collector: 'catalystex',
        connection: { host: sim.host, port: sim.port },
        poll_interval: 2,
        history: { interval: 30 },
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
