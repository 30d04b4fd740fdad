import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { EosCoreSimulator } from './eos-core-simulator.ts';

/**
 * An EOS M 400 with EOSCONNECT Core on OPC UA (SignAndEncrypt, a user and password): a
 * 1,000-layer build every few minutes.
 */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await EosCoreSimulator.start({ layersPerSecond: 8 });
  // The password reaches the agent the way a real one does: through a secret reference.
  process.env.ECHO_DEMO_EOS_CORE_PASSWORD = sim.password;
  const stop = loopJobs(
    () => sim.build.job !== undefined || sim.build.state !== 'Idle',
    (job) => sim.build.start(`${job}.openjob`, 1000),
    15_000,
    4,
  );
  return {
    machines: [
      {
        name: 'eos-m400-core',
        collector: 'eos-connect-core',
        connection: {
          endpoint_url: sim.endpointUrl,
          security: {
            mode: 'SignAndEncrypt',
            policy: 'Basic256Sha256',
            server_certificate_fingerprint: sim.fingerprint,
          },
        },
        credentials: { username: sim.username, password_ref: 'env:ECHO_DEMO_EOS_CORE_PASSWORD' },
        poll_interval: 2,
      },
    ],
    async close() {
      stop();
      await sim.close();
    },
  };
}
