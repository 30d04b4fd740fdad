import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { PhotocentricSimulator } from './photocentric-simulator.ts';

/** A Liquid Crystal Magna on Photonic3D, printing in a loop, thirty times faster than life. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await PhotocentricSimulator.start({ speed: 30, printer: 'Liquid Crystal Magna' });
  const stop = loopJobs(
    () => sim.busy,
    (job, n) => sim.startJob(job, 120 + 60 * (n % 3)),
    15_000,
  );
  return {
    machines: [
      {
        name: 'photocentric-magna',
        collector: 'photocentric',
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
