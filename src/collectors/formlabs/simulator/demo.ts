import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { FormlabsSimulator } from './formlabs-simulator.ts';

/** A Form 4 on a Formlabs Web API account, printing in a loop; the client secret in the environment. */
export async function startDemo(): Promise<DemoMachines> {
  const serial = 'Form4-CapableLizard';
  const sim = await FormlabsSimulator.start({ serials: [serial], layerMs: 400 });
  process.env.ECHO_DEMO_FORMLABS_CLIENT_SECRET = sim.clientSecret;
  const stop = loopJobs(
    () => sim.busy,
    (job, n) => sim.startJob(serial, job, 150 + 50 * (n % 3)),
    15_000,
    2,
  );
  return {
    machines: [
      {
        name: 'formlabs-form4',
        collector: 'formlabs',
        connection: { account: 'demo-shop', serial, api_url: sim.apiUrl, list_interval: 2 },
        credentials: { username: sim.clientId, password_ref: 'env:ECHO_DEMO_FORMLABS_CLIENT_SECRET' },
        poll_interval: 2,
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
