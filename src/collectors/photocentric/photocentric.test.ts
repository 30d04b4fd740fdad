import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import type { CollectorContext } from '../sdk/collector.ts';
import { ResourceScope } from '../sdk/shared-resources.ts';
import { PhotocentricCollector } from './collector.ts';
import { photocentricConnection } from './config.ts';
import { PhotocentricSimulator } from './simulator/photocentric-simulator.ts';

async function setup(t: import('node:test').TestContext) {
  const sim = await PhotocentricSimulator.start({ speed: 20, sliceMs: 1000 });
  t.after(() => sim.close());
  const machine = await startMachine(t, {
    collector: 'photocentric',
    connection: { host: sim.host, port: sim.port },
  });
  return { sim, ...machine };
}

test('a whole job: idle → printing → idle (finished), with captures in the cloud', async (t) => {
  const { sim, live, emulator, agent } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.job, undefined);
  assert.deepEqual(live().snapshot.gauges, [{ name: 'light_source_hours', value: 412, unit: 'h' }]);

  const id = sim.startJob('bottle-caps', 60);
  await waitFor(
    () => live().snapshot.state === 'printing' && (live().snapshot.job?.layer ?? 0) > 0,
    10_000,
    'printing',
  );
  const job = live().snapshot.job!;
  assert.equal(job.name, 'bottle-caps');
  assert.equal(job.id, id);
  assert.equal(job.layers, 60);
  assert.ok(job.progress! > 0 && job.progress! < 100);
  assert.ok(job.remainingSeconds! > 0);

  await waitFor(() => live().snapshot.state === 'idle', 15_000, 'finished');
  assert.equal(live().snapshot.job?.result, 'finished');
  assert.equal(live().snapshot.job?.progress, 100);

  await waitFor(
    () =>
      agent.store.stats.captureBacklog() === 0 &&
      [...emulator.state.captures.values()].some((c) =>
        c.content?.toString().includes('"status":"Completed"'),
      ),
    15_000,
    'captures sent, the finished job among them',
  );
  const captures = [...emulator.state.captures.values()];
  assert.ok(captures.every((c) => c.capture_type_name === 'photocentric.modeler.status'));
  const documents = captures.map(
    (c) =>
      JSON.parse(c.content!.toString()) as {
        printer: { status: string; configuration: { name: string } };
        print_job: { status: string; jobName: string } | null;
      },
  );
  const seen = JSON.stringify(documents.map((d) => [d.printer.status, d.print_job?.status ?? null]));
  assert.ok(
    documents.some((d) => d.print_job === null && d.printer.status === 'Ready'),
    seen,
  );
  assert.ok(
    documents.some((d) => d.print_job?.status === 'Printing' && d.print_job.jobName === 'bottle-caps'),
    seen,
  );
  assert.ok(
    documents.some((d) => d.print_job?.status === 'Completed'),
    seen,
  );
  assert.equal(documents[0]!.printer.configuration.name, 'Liquid Crystal Magna', 'the raw document');
});

test('a status Echo does not know is unknown (not an error); a printer not started is offline; a failure is an error', async (t) => {
  const { sim, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.status = 'Recalibrating';
  await waitFor(() => live().snapshot.state === 'unknown', 10_000, 'unknown');
  assert.equal(live().lastError ?? null, null, 'the poll did not fail');
  sim.status = 'Ready';
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle again');

  sim.started = false;
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline when not started');
  assert.match(live().snapshot.errors.join(' '), /has not started the printer/);
  sim.started = true;

  sim.startJob('lattice', 1000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  sim.fail('Peel failure detected');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error');
  assert.match(live().snapshot.errors.join(' '), /Peel failure detected/);
  assert.equal(live().snapshot.job?.result, 'failed');
});

test('missing fields leave unknowns, never a failed poll; garbage fails the poll; silence is offline', async (t) => {
  const { sim, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.startJob('rings', 1000);
  sim.omit = new Set(['status', 'started', 'cachedBulbHours', 'totalSlices', 'averageSliceTime', 'jobName']);
  await waitFor(() => live().snapshot.state === 'unknown', 10_000, 'unknown without a status');
  assert.equal(live().lastError ?? null, null);
  assert.deepEqual(live().snapshot.gauges, []);
  const job = live().snapshot.job!;
  assert.equal(job.name, job.id, 'a job without a name is shown by its id');
  assert.equal(job.layers, undefined);
  assert.equal(job.remainingSeconds, undefined);
  sim.omit = new Set();
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing with every field');

  sim.setFault('garbage');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error on garbage');
  assert.match(live().lastError!, /not JSON/);
  sim.setFault('silence');
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline on silence');
  sim.setFault(null);
  await waitFor(() => live().snapshot.state === 'printing', 30_000, 'recovered');
});

function context(shared: ResourceScope, warnings: string[] = []): CollectorContext {
  const kv = new Map<string, string>();
  const quiet = () => undefined;
  return {
    machine: 'magna',
    logger: { debug: quiet, info: quiet, warn: (_o, msg) => void warnings.push(msg ?? ''), error: quiet },
    credentials: {},
    state: { get: (k) => kv.get(k), set: (k, v) => void kv.set(k, v) },
    dataDir: '/nonexistent',
    pkiDir: '/nonexistent',
    notify: quiet,
    limits: { maxMessageBytes: 16 * 1024 * 1024 },
    shared,
    secrets: { get: () => undefined, set: quiet, delete: quiet },
  };
}

test('readPresets: the resin profiles of the printer, as they are added, changed and removed', async (t) => {
  const sim = await PhotocentricSimulator.start();
  const shared = new ResourceScope();
  t.after(async () => {
    await shared.close();
    await sim.close();
  });
  const collector = new PhotocentricCollector(
    photocentricConnection.parse({ host: sim.host, port: sim.port, printer: 'Liquid Crystal Magna' }),
    context(shared),
  );
  const signal = () => AbortSignal.timeout(5000);
  let presets = await collector.readPresets!(signal());
  assert.deepEqual(
    presets.map((p) => p.name),
    ['Daylight Hard Grey', 'Durable DL110 HB'],
  );
  assert.equal(
    presets[0]!.description,
    'resin profile: 0.1 mm layers, 8000 ms exposure, 4 bottom layers at 60000 ms',
  );
  assert.equal(presets[0]!.details![0]!.selected, true);
  assert.equal(presets[1]!.details![0]!.LayerTime, 12_000);

  sim.inks.push({ ...sim.inks[0]!, Name: 'Flexible 40', LayerTime: 15_000 });
  sim.inks[1]!.LayerTime = 13_000;
  sim.inks.splice(0, 1);
  presets = await collector.readPresets!(signal());
  assert.deepEqual(
    presets.map((p) => [p.name, p.details![0]!.LayerTime]),
    [
      ['Durable DL110 HB', 13_000],
      ['Flexible 40', 15_000],
    ],
  );

  const wrong = new PhotocentricCollector(
    photocentricConnection.parse({ host: sim.host, port: sim.port, printer: 'Titan' }),
    context(shared),
  );
  await assert.rejects(wrong.readPresets!(signal()), /no printer named "Titan".*"Liquid Crystal Magna"/);
});

test('an unknown status is logged once, the capture still carries it', async (t) => {
  const sim = await PhotocentricSimulator.start();
  const shared = new ResourceScope();
  t.after(async () => {
    await shared.close();
    await sim.close();
  });
  const warnings: string[] = [];
  const collector = new PhotocentricCollector(
    photocentricConnection.parse({ host: sim.host, port: sim.port }),
    context(shared, warnings),
  );
  sim.status = 'Resin heating';
  const first = await collector.poll(AbortSignal.timeout(5000));
  await collector.poll(AbortSignal.timeout(5000));
  assert.equal(first.snapshot.state, 'unknown');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /status Echo does not know \("Resin heating"\)/);
  assert.match(String(first.captures[0]!.content), /"status":"Resin heating"/);
});
