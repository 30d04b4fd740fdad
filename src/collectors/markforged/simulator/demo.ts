import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { MarkforgedSimulator } from './markforged-simulator.ts';

/** A Markforged X7 in an Eiger organization, printing in a loop; the secret key in the environment. */
export async function startDemo(): Promise<DemoMachines> {
  const serial = 'X7-1234ABCD';
  const sim = await MarkforgedSimulator.start({ serials: [serial], layerMs: 300 });
  process.env.ECHO_DEMO_MARKFORGED_SECRET_KEY = sim.secretKey;
  const stop = loopJobs(
    () => sim.busy,
    (job, n) => sim.startJob(serial, job, 200 + 50 * (n % 3)),
    15_000,
    3,
  );
  return {
    machines: [
      {
        name: 'markforged-x7',
        collector: 'markforged',
        connection: { account: 'demo-shop', serial, api_url: sim.apiUrl, list_interval: 2 },
        credentials: { username: sim.accessKey, password_ref: 'env:ECHO_DEMO_MARKFORGED_SECRET_KEY' },
        poll_interval: 2,
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
