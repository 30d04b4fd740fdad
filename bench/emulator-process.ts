// The cloud emulator in its own process, so that the agent under test has a core to itself.
import { startCloudEmulator } from '../src/cloud-emulator/server.ts';
import { BENCH_TOKEN } from './shared.ts';

const emulator = await startCloudEmulator({ seedToken: BENCH_TOKEN });
const modeler = emulator.state.addModeler({ name: 'bench-1' }).uri;
process.stdout.write(`${JSON.stringify({ url: emulator.url, modeler })}\n`);
process.on('message', (message) => {
  if (message === 'state') {
    const s = emulator.state.summary();
    process.send?.({ log_entries: s.log_entries, captures_uploaded: s.captures_uploaded });
  }
});
