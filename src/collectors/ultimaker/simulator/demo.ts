import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { UltimakerSimulator } from './ultimaker-simulator.ts';

/** Two Ultimaker S5s printing in a loop, ten times faster than life. */
export async function startDemo(): Promise<DemoMachines> {
  const closers: Array<() => Promise<void>> = [];
  const machines: DemoMachines['machines'] = [];
  for (const [i, name] of ['ultimaker-s5-a', 'ultimaker-s5-b'].entries()) {
    const sim = await UltimakerSimulator.start({ speed: 10, name });
    const stop = loopJobs(
      () => sim.busy,
      (job, n) => sim.startJob(job, 600 + 300 * (n % 3)),
      20_000,
      i * 2,
    );
    closers.push(async () => {
      stop();
      await sim.close();
    });
    machines.push({
      name,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 2,
    });
  }
  return { machines, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
