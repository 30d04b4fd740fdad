import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { JeniSimulator } from './photocentric-jeni-simulator.ts';

/** A JENI cell printing, washing and curing in a loop, a hundred times faster than life. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await JeniSimulator.start({ speed: 100 });
  const stop = loopJobs(
    () => sim.busy,
    (job, n) => void sim.startJob(job, sim.presets[n % sim.presets.length]!.name),
    20_000,
  );
  return {
    machines: [
      {
        name: 'photocentric-jeni',
        collector: 'photocentric-jeni',
        connection: { host: sim.host, port: sim.port },
        poll_interval: 2,
      },
    ],
    close: async () => {
      stop();
      await sim.close();
    },
  };
}
