import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { createServer } from 'node:tls';
import { bambuMachine, bambuSimConnection } from '../../../test/helpers/bambu-machine.ts';
import { commandEnded, startCommandMachine } from '../../../test/helpers/commands.ts';
import { waitFor } from '../../../test/helpers/harness.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import type { CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { CommandRefused } from '../sdk/command-refused.ts';
import { ResourceScope } from '../sdk/shared-resources.ts';
import { selfSignedCertificate } from '../sdk/simulator/self-signed-certificate.ts';
import { BambuCollector } from './collector.ts';
import { bambuConnection } from './config.ts';
import { printerFileName } from './control.ts';
import { BambuSimulator } from './simulator/bambu-simulator.ts';

/** A sliced project as Bambu Studio exports it (the bytes only matter to the checksum). */
const PROJECT = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a)]);

/** A Bambu printer run by a real agent, taking start_job unattended. */
async function setup(t: TestContext) {
  const sim = await BambuSimulator.start({ speed: 20 });
  t.after(() => sim.close());
  const machine = await startCommandMachine(t, {
    collector: 'bambu',
    ...bambuMachine(t, sim, { ftp: true }),
    commands: { allow: ['start_job', 'pause_job', 'cancel_job'], confirm_start_job: false },
  });
  return { sim, ...machine };
}

test('start_job uploads the .3mf over FTPS (same bytes), sends project_file, and the printer prints it', async (t) => {
  const { sim, emulator, modeler, live } = await setup(t);
  const file = emulator.addBuildFile({
    name: 'bracket v2.3mf',
    content: PROJECT,
    virus_scan: 'passed',
    status: 'complete',
  });
  const start = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': file.uri });
  const result = await commandEnded(emulator, start.uuid, 'the start to end', 30_000);
  assert.equal(result.status, 'complete', JSON.stringify(result.response));
  assert.deepEqual(result.reports, ['processing', 'complete']);

  assert.equal(sim.uploads.length, 1);
  const [upload] = sim.uploads;
  assert.equal(upload!.name, 'bracket_v2.3mf', 'a safe name: no space in the FTP line or the URL');
  assert.equal(upload!.sha256, createHash('sha256').update(PROJECT).digest('hex'));
  assert.equal(upload!.sessionReused, true, 'the data connection resumed the control TLS session');

  const sent = sim.commandsReceived.filter((c) => c.command === 'project_file');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.request.param, 'Metadata/plate_1.gcode');
  assert.equal(sent[0]!.request.url, 'file:///sdcard/bracket_v2.3mf');
  assert.equal(sent[0]!.request.subtask_name, 'bracket_v2');
  assert.equal(sent[0]!.request.use_ams, false);

  assert.equal(result.response.command, 'project_file');
  assert.equal(result.response.result, 'success');
  assert.equal(result.response.bytes_sent, PROJECT.length);
  assert.ok(['PREPARE', 'RUNNING'].includes(String(result.response.gcode_state)));
  await waitFor(() => live()?.snapshot.state === 'printing', 10_000, 'printing');
  assert.equal(live()?.snapshot.job?.name, 'bracket_v2');
});

test('a .gcode file is started with gcode_file; a busy printer refuses a start without uploading', async (t) => {
  const { sim, emulator, modeler, live } = await setup(t);
  const gcode = emulator.addBuildFile({
    name: 'cube.gcode',
    content: Buffer.from('G28\nG1 X10\n'.repeat(1000)),
    virus_scan: 'passed',
    status: 'complete',
  });
  const first = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': gcode.uri });
  const started = await commandEnded(emulator, first.uuid, 'the gcode start', 30_000);
  assert.equal(started.status, 'complete', JSON.stringify(started.response));
  const sent = sim.commandsReceived.find((c) => c.command === 'gcode_file');
  assert.equal(sent?.request.param, '/sdcard/cube.gcode');
  await waitFor(() => live()?.snapshot.state === 'printing', 10_000, 'printing');

  const connections = sim.ftpStats.connections;
  const second = emulator.addBuildFile({
    name: 'next.3mf',
    content: PROJECT,
    virus_scan: 'passed',
    status: 'complete',
  });
  const refusedCommand = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': second.uri });
  const refused = await commandEnded(emulator, refusedCommand.uuid, 'the refused start', 30_000);
  assert.equal(refused.status, 'error');
  assert.equal(refused.response.error, 'refused_by_state');
  assert.match(String(refused.response.message), /a job can start only when it is IDLE, FINISH or FAILED/);
  assert.equal(sim.uploads.length, 1, 'nothing more uploaded');
  assert.equal(sim.ftpStats.connections, connections, 'the FTP server was not even opened');
  assert.equal(sim.commandsReceived.filter((c) => c.command === 'project_file').length, 0);
});

/** A collector made by hand: its context, and a job file on disk. */
async function handMade(t: TestContext, sim: BambuSimulator, ftpPort: number, fingerprint = sim.fingerprint) {
  const dir = tempDir(t);
  const path = join(dir, 'part.3mf');
  writeFileSync(path, PROJECT);
  const kv = new Map<string, string>();
  const quiet = () => undefined;
  const shared = new ResourceScope();
  const ctx: CollectorContext = {
    machine: 'bambu-1',
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    credentials: { password: sim.accessCode },
    state: { get: (k) => kv.get(k), set: (k, v) => void kv.set(k, v) },
    dataDir: dir,
    pkiDir: dir,
    notify: quiet,
    limits: { maxMessageBytes: 16 * 1024 * 1024 },
    shared,
    secrets: { get: () => undefined, set: () => {}, delete: () => {} },
  };
  const collector = new BambuCollector(
    bambuConnection.parse(bambuSimConnection(sim, { ftpPort, fingerprint })),
    ctx,
  );
  await collector.connect(AbortSignal.timeout(5000));
  t.after(async () => {
    await collector.close();
    await shared.close();
  });
  return { collector, ctx, file: { path, name: 'part.3mf' } };
}

test('a wrong access code on the FTP server fails the start as auth; nothing is printed', async (t) => {
  const sim = await BambuSimulator.start({ speed: 20 });
  t.after(() => sim.close());
  const { collector, ctx, file } = await handMade(t, sim, sim.ftpPort);
  // The code was changed on the printer after Echo connected.
  ctx.credentials.password = '00000000';
  const error = await collector.control({ type: 'start_job', file }, AbortSignal.timeout(20_000)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof CollectorError, String(error));
  assert.equal(error.failure, 'auth');
  assert.match(error.message, /530/);
  assert.equal(sim.uploads.length, 0);
  assert.equal(sim.ftpStats.logins, 0);
  assert.equal(sim.commandsReceived.length, 0, 'no project_file sent');
  assert.equal(sim.gcode, 'IDLE');
});

test('an FTP server presenting another certificate is refused before USER and PASS are sent', async (t) => {
  const sim = await BambuSimulator.start({ speed: 20 });
  t.after(() => sim.close());
  // Somebody else on the printer's FTP port, with a certificate for the same serial.
  const impostor = await selfSignedCertificate(sim.serial);
  const received: Buffer[] = [];
  const server = createServer({ cert: impostor.cert, key: impostor.key }, (socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write('220 ready\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { collector, file } = await handMade(t, sim, (server.address() as AddressInfo).port);
  const error = await collector.control({ type: 'start_job', file }, AbortSignal.timeout(20_000)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof CollectorError, String(error));
  assert.equal(error.failure, 'untrusted_certificate');
  assert.equal(error.details.fingerprint, impostor.fingerprint256);
  // The fingerprint in the error is the impostor's: it was reached, and told nothing.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(Buffer.concat(received).length, 0, 'not a byte (no USER, no PASS) reached it');
  assert.equal(sim.commandsReceived.length, 0);
});

test('a start without a file, or of a file the printer cannot print, is refused before anything is sent', async (t) => {
  const sim = await BambuSimulator.start({ speed: 20 });
  t.after(() => sim.close());
  const { collector } = await handMade(t, sim, sim.ftpPort);
  const noFile = await collector.control({ type: 'start_job' }, AbortSignal.timeout(5000)).catch((e) => e);
  assert.ok(noFile instanceof CommandRefused);
  const stl = await collector
    .control({ type: 'start_job', file: { path: '/dev/null', name: 'part.stl' } }, AbortSignal.timeout(5000))
    .catch((e) => e);
  assert.ok(stl instanceof CommandRefused);
  assert.equal(stl.code, 'unsupported_command');
  assert.equal(sim.ftpStats.connections, 0);
  assert.equal(sim.commandsReceived.length, 0);
});

test('printerFileName keeps the last segment, safe characters only, and the extension', () => {
  assert.equal(printerFileName('../../etc/passwd.3mf'), 'passwd.3mf');
  assert.equal(printerFileName('C:\\jobs\\Bracket (v2).gcode.3mf'), 'Bracket_(v2).gcode.3mf');
  assert.equal(printerFileName('a\r\nSTOR x.gcode'), 'a__STOR_x.gcode');
  assert.equal(printerFileName('...3mf'), 'echo-job.3mf');
  assert.equal(printerFileName('..'), 'echo-job');
  assert.equal(printerFileName('.3mf'), 'echo-job.3mf');
  const long = printerFileName(`${'x'.repeat(300)}.gcode.3mf`);
  assert.equal(long.length, 120);
  assert.ok(long.endsWith('.gcode.3mf'));
});
