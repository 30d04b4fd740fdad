import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { MtconnectSimulator } from './mtconnect-simulator.ts';

/** A Stratasys F370 behind its MTConnect agent, a part every minute, history every 30 s. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await MtconnectSimulator.start({ bufferSize: 8192 });
  const stop = loopJobs(
    () => sim.busy,
    (job) => sim.startJob(`${job}.cmb`, 50_000),
    10_000,
    4,
  );
  return {
    machines: [
      {
        name: 'stratasys-f370',
        collector: 'stratasys-mtconnect',
        connection: { url: sim.url },
        poll_interval: 2,
        history: { interval: 30, page_size: 1000 },
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
