import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { CarbonSimulator } from './carbon-simulator.ts';

/** A Carbon M2 on a Carbon API account, printing in a loop; the API secret in the environment. */
export async function startDemo(): Promise<DemoMachines> {
  const serial = 'M2-0042';
  const sim = await CarbonSimulator.start({ serials: [serial] });
  process.env.ECHO_DEMO_CARBON_SECRET = sim.clientSecret;
  const stop = loopJobs(
    () => sim.busy,
    (job, n) => sim.startPrint(serial, job, 60_000 + 20_000 * (n % 3)),
    15_000,
    4,
  );
  return {
    machines: [
      {
        name: 'carbon-m2',
        collector: 'carbon',
        connection: { account: 'demo-shop', serial, api_url: sim.apiUrl, list_interval: 2 },
        credentials: { username: sim.clientId, password_ref: 'env:ECHO_DEMO_CARBON_SECRET' },
        poll_interval: 2,
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
