import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { HpMjfSimulator } from './hp-mjf-simulator.ts';

/** An HP Jet Fusion printer warming up, printing and cooling in a loop, fifty times faster than life. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await HpMjfSimulator.start({ speed: 50 });
  const stop = loopJobs(
    () => sim.busy,
    (job) => void sim.startJob(job, 120),
    20_000,
  );
  return {
    machines: [
      {
        name: 'hp-mjf-5200',
        collector: 'hp-mjf',
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
