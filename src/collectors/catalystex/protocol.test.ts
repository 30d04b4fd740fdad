import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzRuns } from '../../../test/helpers/fuzz-runs.ts';
import type { CollectorState } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { historicJobOf, JOURNAL_SIZE, jobsAfter, noteJob, referenceOf } from './jobs.ts';
import { stateOf, toSnapshot } from './map.ts';
import { getFile, PACKET, packet, packetText } from './protocol.ts';
import { CatalystexSimulator } from './simulator/catalystex-simulator.ts';
import { LIMITS, parseStatusFile } from './status-file.ts';

const SAMPLE = `set machineStatus(general) {
\t-modelerStatus {Building}
\t-modelerType {uPrint SE Plus}
\t-controllerVersion 12.4.3152.0
\t-elapsedBuildTime 600
\t-partCurrentTemp 300
\t-partSetTemp 300
\t-envelopeCurrentTemp 77
};
set machineStatus(currentJob) {-jobName {bracket v3; left.cmb} -jobId 117 -currentLayer 50 -totalLayers 200 -estimatedBuildTime 2400 -startTime 1767000000 -completionStatus {}};
set machineStatus(previousJob) {-jobName "gear 12t" -jobId 116 -startTime 1766990000 -buildTime 3600 -completionStatus {Completed}};
set machineStatus(queue) { {-jobName {a.cmb}\t-jobId 118\t-estimatedBuildTime 100}\t{-jobName {b {nested} c}\t-jobId 119} };
set machineStatus(mariner) {-internalState sttBuilding -productSerialNumber UPSE-1};
Transferred: 912
`;

test('status.sts: sections, braces (nested, with ; inside), quotes, the queue, Key: value lines', () => {
  const file = parseStatusFile(SAMPLE);
  assert.equal(file.sections.general?.modelerStatus, 'Building');
  assert.equal(file.sections.general?.modelerType, 'uPrint SE Plus');
  assert.equal(file.sections.currentJob?.jobName, 'bracket v3; left.cmb');
  assert.equal(file.sections.previousJob?.jobName, 'gear 12t');
  assert.deepEqual(
    file.queue.map((j) => [j.jobName, j.jobId]),
    [
      ['a.cmb', '118'],
      ['b {nested} c', '119'],
    ],
  );
  assert.equal(file.extras.Transferred, '912');
  assert.ok(file.records.previousJob?.startsWith('set machineStatus(previousJob)'));
  assert.equal(file.unknownCommands, 0);
});

test('mapping: Building with layers and times; states known, unknown and missing', () => {
  const s = toSnapshot(parseStatusFile(SAMPLE));
  assert.equal(s.state, 'printing');
  assert.deepEqual(s.job, {
    name: 'bracket v3; left.cmb',
    id: '117',
    progress: 25,
    layer: 50,
    layers: 200,
    elapsedSeconds: 600,
    remainingSeconds: 1800,
  });
  assert.equal(s.serialNumber, 'UPSE-1');
  assert.equal(s.firmware, '12.4.3152.0');
  assert.deepEqual(
    s.gauges.find((g) => g.name === 'model_head_temperature'),
    {
      name: 'model_head_temperature',
      value: 300,
      unit: '°C',
      target: 300,
    },
  );
  assert.equal(s.gauges.find((g) => g.name === 'queue_length')?.value, 2);
  assert.equal(stateOf('Idle'), 'idle');
  assert.equal(stateOf('Paused'), 'paused');
  assert.equal(stateOf('Loading Material'), 'maintenance');
  assert.equal(stateOf('Frobnicating'), 'unknown');
  assert.equal(stateOf(undefined), 'unknown');
  // No general section: the mariner's internal state, without its stt prefix.
  assert.equal(
    toSnapshot(parseStatusFile('set machineStatus(mariner) {-internalState sttIdle}')).state,
    'idle',
  );
  // An error with the printer's explanation.
  const error = toSnapshot(
    parseStatusFile(
      'set machineStatus(general) {-modelerStatus Error -modelerExplanation {Model material out}}',
    ),
  );
  assert.deepEqual([error.state, error.errors], ['error', ['Error: Model material out']]);
  // Garbage numbers are left out, not NaN.
  const odd = toSnapshot(
    parseStatusFile(
      'set machineStatus(general) {-modelerStatus Building -partCurrentTemp hot};set machineStatus(currentJob) {-jobName x -currentLayer -3 -totalLayers 0}',
    ),
  );
  assert.deepEqual(odd.job, { name: 'x', layers: 0 });
  assert.equal(odd.gauges.length, 0);
});

test('mapping: an ended job the printer still shows carries its result', () => {
  const s = toSnapshot(
    parseStatusFile(
      'set machineStatus(general) {-modelerStatus Idle};set machineStatus(currentJob) {-jobName part -jobId 7 -completionStatus Aborted}',
    ),
  );
  assert.equal(s.state, 'idle');
  assert.equal(s.job?.result, 'cancelled');
});

function memoryState(): CollectorState & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: (k) => map.get(k), set: (k, v) => void map.set(k, v) };
}

test('job journal: each previous job once, by start time and id; without a start time, by when it was seen', () => {
  const state = memoryState();
  const prev = (id: number, start: number | '') =>
    parseStatusFile(
      `set machineStatus(previousJob) {-jobName job${id} -jobId ${id} -startTime {${start}} -buildTime 60 -completionStatus Completed}`,
    );
  assert.equal(noteJob(state, prev(1, 1767000000), Date.parse('2026-01-01T00:00:00Z')), true);
  assert.equal(
    noteJob(state, prev(1, 1767000000), Date.parse('2026-01-01T00:10:00Z')),
    false,
    'the same job',
  );
  assert.equal(noteJob(state, prev(2, ''), Date.parse('2026-01-01T01:00:00Z')), true);
  assert.equal(noteJob(state, parseStatusFile('set machineStatus(previousJob) {-jobName {}}'), 0), false);
  const all = jobsAfter(state, undefined, 10);
  assert.deepEqual(
    all.entries.map((e) => e.reference),
    ['2025-12-29T09:20:00.000Z#000000000001', '2026-01-01T01:00:00.000Z#000000000002'],
  );
  assert.equal(referenceOf({ jobName: 'x', startTime: '0' }), undefined, 'a zero start is no time');
  const page = jobsAfter(state, all.entries[0]!.reference, 1);
  assert.deepEqual([page.entries.length, page.more], [1, false]);
  const job = historicJobOf(all.entries[0]!);
  assert.equal(job.captureTypeName, 'catex.modeler.jobs');
  assert.deepEqual(job.pastJobs, [
    {
      id: '1',
      name: 'job1',
      startedAt: '2025-12-29T09:20:00.000Z',
      endedAt: '2025-12-29T09:21:00.000Z',
      result: 'finished',
    },
  ]);
  for (let i = 3; i < JOURNAL_SIZE + 20; i++) noteJob(state, prev(i, 1767000000 + i * 100), Date.now());
  assert.equal(jobsAfter(state, undefined, 10_000).entries.length, JOURNAL_SIZE, 'the journal is bounded');
});

test('framing: 64-byte NUL-padded packets; a packet without NUL is all 64 bytes', () => {
  assert.equal(packet('GetFile').length, PACKET);
  assert.equal(packetText(packet('status.sts')), 'status.sts');
  assert.equal(packetText(Buffer.alloc(PACKET, 0x41)), 'A'.repeat(PACKET));
  assert.throws(() => packet('x'.repeat(PACKET)), RangeError);
});

async function fetchStatus(sim: CatalystexSimulator, maxBytes = 1 << 20, ms = 2000): Promise<Buffer> {
  return getFile({
    host: sim.host,
    port: sim.port,
    file: 'status.sts',
    maxBytes,
    signal: AbortSignal.timeout(ms),
  });
}

async function failure(work: Promise<unknown>): Promise<CollectorError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof CollectorError, String(error));
    return error;
  }
  throw new Error('expected a failure');
}

test('GetFile against the simulator on a real socket, and each fault ends in a named error', async (t) => {
  const sim = await CatalystexSimulator.start();
  t.after(() => sim.close());
  const text = (await fetchStatus(sim)).toString('latin1');
  assert.match(text, /set machineStatus\(general\)/);
  assert.equal(text, sim.statusFile());

  sim.fault = 'oversize';
  const big = await failure(fetchStatus(sim));
  assert.equal(big.failure, 'protocol');
  assert.match(big.message, /announced status\.sts of 1099511627776 bytes, more than the 1048576 accepted/);

  sim.fault = 'truncate';
  const cut = await failure(fetchStatus(sim));
  assert.equal(cut.failure, 'unreachable');
  assert.match(cut.message, /closed the connection while sending status\.sts \(\d+ of \d+ bytes arrived\)/);

  sim.fault = 'garbage';
  const junk = await failure(fetchStatus(sim));
  assert.equal(junk.failure, 'protocol');
  assert.match(
    junk.message,
    /answered "HTTP\/1\.1 400 Bad Request\?\?Content-Length…" to GetFile status\.sts/,
  );

  sim.fault = 'babble';
  const flood = await failure(fetchStatus(sim));
  assert.equal(flood.failure, 'protocol');

  sim.fault = 'badsize';
  const size = await failure(fetchStatus(sim));
  assert.match(size.message, /answered "NoSuchFile" where the size of status\.sts belongs/);

  sim.fault = 'silence';
  const silent = await failure(fetchStatus(sim, 1 << 20, 300));
  assert.equal(silent.failure, 'timeout');

  sim.fault = null;
  await sim.down();
  const refused = await failure(fetchStatus(sim));
  assert.equal(refused.failure, 'unreachable');
  await sim.up();
  assert.ok((await fetchStatus(sim)).length > 0);
});

test('a printer that sends the file in one-byte pieces, then more than announced: read exactly, the rest ignored', async (t) => {
  const body = Buffer.from(SAMPLE, 'latin1');
  const server: Server = createServer((socket) => {
    let got = 0;
    socket.on('error', () => undefined);
    socket.on('data', async (chunk) => {
      got += chunk.length;
      if (got === 3 * PACKET) {
        socket.write(Buffer.concat([packet('SendFile'), packet('status.sts'), packet('NA')]));
      } else if (got === 4 * PACKET) socket.write(packet(String(body.length)));
      else if (got === 5 * PACKET) {
        for (const byte of body) socket.write(Buffer.from([byte]));
        socket.write('Transferred: trailing bytes the client does not ask for');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const data = await getFile({
    host: '127.0.0.1',
    port,
    file: 'status.sts',
    maxBytes: 1 << 20,
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(data.toString('latin1'), SAMPLE);
});

test('property: any status.sts parses to a bounded model in linear time', () => {
  const tokens = fc.constantFrom(
    'set ',
    'machineStatus(general) ',
    'machineStatus(queue) ',
    'machineStatus(previousJob) ',
    '{',
    '}',
    '"',
    '\\',
    ';',
    '\n',
    '\t',
    ' ',
    '-modelerStatus ',
    '-jobName ',
    '-startTime ',
    'Building',
    '1767000000',
    'Key: ',
    'x',
  );
  const files = fc.oneof(
    fc.array(tokens, { maxLength: 400 }).map((a) => a.join('')),
    fc.string({ maxLength: 2000 }),
  );
  fc.assert(
    fc.property(files, (text) => {
      const file = parseStatusFile(text);
      assert.ok(file.queue.length <= LIMITS.queueJobs);
      for (const fields of Object.values(file.sections)) {
        assert.ok(Object.keys(fields).length <= LIMITS.keysPerSection);
        for (const v of Object.values(fields)) assert.ok(v.length <= LIMITS.valueChars);
      }
      const s = toSnapshot(file);
      assert.ok(['idle', 'printing', 'paused', 'error', 'maintenance', 'unknown'].includes(s.state));
    }),
    { numRuns: fuzzRuns(1000) },
  );
  // The shapes a quadratic parser chokes on, at 4 MB each: within a time budget.
  const mb4 = 4 << 20;
  for (const hostile of [
    '{'.repeat(mb4),
    `set machineStatus(queue) {${' {-jobName a}'.repeat(mb4 / 13)}}`,
    `set machineStatus(general) {${' -k v'.repeat(mb4 / 5)}}`,
    'a\n'.repeat(mb4 / 2),
    'Key: value\n'.repeat(mb4 / 11),
    '"'.repeat(mb4),
    '\\'.repeat(mb4),
  ]) {
    const started = performance.now();
    const file = parseStatusFile(hostile);
    assert.ok(file.queue.length <= LIMITS.queueJobs);
    assert.ok(performance.now() - started < 5000, `${hostile.slice(0, 20)}… took too long`);
  }
});
