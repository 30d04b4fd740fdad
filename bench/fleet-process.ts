// N simulated Ultimaker printers and the cloud emulator in their own process, so that the agent
// under test (and the raw poller it is compared with) has the bench process to itself.
import { startCloudEmulator } from '../src/cloud-emulator/server.ts';
import { UltimakerSimulator } from '../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { BENCH_TOKEN } from './shared.ts';

const count = Number(process.argv[2] ?? 50);
const emulator = await startCloudEmulator({ seedToken: BENCH_TOKEN });
const machines: Array<{ name: string; port: number; modeler: string }> = [];
for (let i = 0; i < count; i++) {
  const name = `um-${String(i).padStart(3, '0')}`;
  const sim = await UltimakerSimulator.start({ name });
  // A third of the fleet is printing: their documents change every poll, as on a real floor.
  if (i % 3 === 0) sim.startJob(`job-${i}`, 36_000);
  machines.push({ name, port: sim.port, modeler: emulator.state.addModeler({ name }).uri });
}
process.stdout.write(`${JSON.stringify({ url: emulator.url, machines })}\n`);
