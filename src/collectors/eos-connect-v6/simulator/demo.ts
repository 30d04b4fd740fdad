import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { EosConnectSimulator } from './eos-connect-simulator.ts';

/** An EOS M 290 with EOSCONNECT v6: 500 past jobs to backfill, then a build every few minutes. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await EosConnectSimulator.start({ history: 500, layersPerSecond: 8 });
  process.env.ECHO_DEMO_EOS_PASSWORD = sim.password;
  const stop = loopJobs(
    () => sim.busy,
    (job) => sim.startJob(`${job}.openjob`, 900),
    20_000,
    3,
  );
  return {
    machines: [
      {
        name: 'eos-m290-connect',
        collector: 'eos-connect-v6',
        connection: { host: sim.host, port: sim.port, tls: { fingerprint: sim.fingerprint } },
        credentials: { username: sim.username, password_ref: 'env:ECHO_DEMO_EOS_PASSWORD' },
        poll_interval: 2,
        history: { interval: 60, page_size: 100 },
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
