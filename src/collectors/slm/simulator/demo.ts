import { DEMO_JOBS, type DemoMachines } from '../../sdk/simulator/demo.ts';
import { SlmSimulator } from './slm-simulator.ts';

/** An SLM 280 on OPC UA, a 1,200-layer build every few minutes. */
export async function startDemo(): Promise<DemoMachines> {
  const sim = await SlmSimulator.start({ layersPerSecond: 8 });
  let n = 1;
  sim.build.start(`${DEMO_JOBS[0]}.slm`, 1200);
  const timer = setInterval(() => {
    if (!sim.build.job && sim.build.state === 'Idle')
      sim.build.start(`${DEMO_JOBS[n++ % DEMO_JOBS.length]}.slm`, 1200);
  }, 15_000);
  return {
    machines: [
      {
        name: 'slm-280',
        collector: 'slm',
        connection: {
          endpoint_url: sim.endpointUrl,
          security: { server_certificate_fingerprint: sim.fingerprint },
        },
        poll_interval: 2,
      },
    ],
    async close() {
      clearInterval(timer);
      await sim.close();
    },
  };
}
