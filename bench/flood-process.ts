// The flooding machines of `npm run bench -- flood`, in their own process so that the agent under
// test has the bench process to itself: an HTTP printer answering bodies past the cap at every
// poll, a Bambu broker publishing reports as fast as the socket takes them, and a machine PC
// writing its log at 10 MB/s.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostileBambuBroker } from '../test/hostile/machine-bambu-broker.ts';
import { HostileJsonMachine, ultimakerRoutes } from '../test/hostile/machine-http-json.ts';
import { certificate } from '../test/hostile/machine-kit.ts';
import { eosLine } from '../test/hostile/machine-log-folder.ts';

const folder = process.argv[2]!;
const LOG_BYTES_PER_SECOND = 10 * 1024 * 1024;

const http = await HostileJsonMachine.start(ultimakerRoutes);
http.mode = 'oversized-stream';
const cert = await certificate('01P00A000000001');
const broker = await HostileBambuBroker.start(cert, '01P00A000000001');
broker.mode = 'flood';
mkdirSync(folder, { recursive: true });
const file = join(folder, 'machine.log');
writeFileSync(file, '');
// 100 ms worth of ordinary lines every 100 ms, some of them warnings (forwarded to /logs/).
const lines: string[] = [];
for (let size = 0, i = 0; size < LOG_BYTES_PER_SECOND / 10; i++) {
  const line = eosLine(
    i % 20 === 0 ? 'WARNING' : 'INFO',
    `Layer ${i % 400} of 400: exposure ok, gas flow 2.1 m/s, recoater ${i}`,
  );
  lines.push(line);
  size += line.length;
}
const burst = lines.join('');
setInterval(() => appendFileSync(file, burst), 100);
process.stdout.write(
  `${JSON.stringify({ httpPort: http.port, bambu: { port: broker.port, serial: broker.serial, fingerprint: broker.fingerprint }, folder })}\n`,
);
