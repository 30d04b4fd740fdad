import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { BambuSimulator } from './bambu-simulator.ts';

/** A Bambu X1 Carbon printing in a loop; its access code is handed over in the environment. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await BambuSimulator.start({ speed: 10 });
  process.env.ECHO_DEMO_BAMBU_ACCESS_CODE = sim.accessCode;
  const stop = loopJobs(
    () => sim.busy,
    (job, n) => sim.startJob(job, 900 + 300 * (n % 2)),
    15_000,
    5,
  );
  return {
    machines: [
      {
        name: 'bambu-x1c',
        collector: 'bambu',
        connection: {
          host: sim.host,
          port: sim.port,
          serial: sim.serial,
          tls: { fingerprint: sim.fingerprint },
        },
        credentials: { password_ref: 'env:ECHO_DEMO_BAMBU_ACCESS_CODE' },
        poll_interval: 2,
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
