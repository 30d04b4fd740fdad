import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { AddiguruSimulator } from './addiguru-simulator.ts';

/**
 * An Addiguru hub with 20 finished analyses to backfill, then a build analysed every few seconds.
 * `echo-agent demo` registers it in the emulator as an Addiguru installation (src/cli/cmd-demo.ts):
 * its analyses go with `addiguru_installation`, its health to the installation.
 */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await AddiguruSimulator.start({ layersPerSecond: 5 });
  sim.addFinished(20, 30);
  process.env.ECHO_DEMO_ADDIGURU_PASSWORD = sim.password;
  const stop = loopJobs(
    () => sim.busy,
    (job, n) => void sim.startAnalysis(job, 120, n),
    20_000,
  );
  return {
    machines: [
      {
        name: 'addiguru-hub',
        collector: 'addiguru',
        connection: { host: sim.host, port: sim.port },
        credentials: { username: sim.username, password_ref: 'env:ECHO_DEMO_ADDIGURU_PASSWORD' },
        poll_interval: 2,
        history: { interval: 30, page_size: 50 },
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
