import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import type { CollectorContext } from '../sdk/collector.ts';
import { ResourceScope } from '../sdk/shared-resources.ts';
import { PhotocentricJeniCollector } from './collector.ts';
import { photocentricJeniConnection } from './config.ts';
import { JeniSimulator } from './simulator/photocentric-jeni-simulator.ts';

async function setup(t: TestContext, speed = 1000) {
  const sim = await JeniSimulator.start({ speed });
  t.after(() => sim.close());
  const machine = await startMachine(t, {
    collector: 'photocentric-jeni',
    connection: { host: sim.host, port: sim.port },
  });
  return { sim, ...machine };
}

test('a whole job: print → wash → cure → completed, the cell printing then idle, captures in the cloud', async (t) => {
  const { sim, live, emulator, agent } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'JENI-0042');
  assert.equal(live().snapshot.firmware, '2.3.1');

  const id = sim.startJob('caps-batch-7', 'Durable DL110 HB Bottle Cap')!;
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  assert.equal(live().snapshot.job?.id, id);
  assert.equal(live().snapshot.job?.name, 'caps-batch-7');
  await waitFor(
    () =>
      [...emulator.state.captures.values()].some((c) => c.content?.toString().includes('"state":"curing"')),
    15_000,
    'the cure step in the cloud',
  );
  await waitFor(() => live().snapshot.state === 'idle', 15_000, 'idle after the job');

  await waitFor(() => agent.store.stats.captureBacklog() === 0, 15_000, 'captures sent');
  // Uploaded ones only: the agent goes on polling, and a capture made since has no content yet.
  const documents = [...emulator.state.captures.values()]
    .filter((c) => c.content)
    .map((c) => {
      assert.equal(c.capture_type_name, 'photocentric_jeni.modeler.status');
      return JSON.parse(c.content!.toString()) as {
        bays: Array<{ id: string; job: { state: string } | null }>;
      };
    });
  const steps = new Set(documents.flatMap((d) => d.bays.map((b) => b.job?.state).filter(Boolean)));
  assert.ok(steps.has('printing') && steps.has('washing') && steps.has('curing'), [...steps].join());
  assert.equal(documents[0]!.bays.length, 4, 'the raw document, every bay');
});

test('bay states: an unknown word is unknown (not an error), a bay error is an error, all offline is offline', async (t) => {
  const { sim, live } = await setup(t, 1);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.bayOverride.set('W1', 'draining');
  await waitFor(() => live().snapshot.state === 'unknown', 10_000, 'unknown');
  assert.equal(live().lastError ?? null, null, 'the poll did not fail');
  sim.startJob('lattice', 'Hard Grey Bracket');
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'a bay at work outweighs an unknown one');
  sim.bayOverride.set('C1', 'error');
  sim.bayError.set('C1', 'UV lamp fault');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error');
  assert.deepEqual(live().snapshot.errors, ['bay Cure: UV lamp fault']);
  sim.bayError.clear();
  for (const bay of sim.bays) sim.bayOverride.set(bay.id, 'offline');
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline');
});

test('missing fields leave unknowns, never a failed poll; garbage fails the poll; silence is offline', async (t) => {
  const { sim, live } = await setup(t, 1);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  for (const bay of sim.bays) sim.bayOverride.set(bay.id, undefined);
  await waitFor(() => live().snapshot.state === 'unknown', 10_000, 'unknown without bay states');
  assert.equal(live().lastError ?? null, null);
  sim.bayOverride.clear();
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle again');

  sim.setFault('garbage');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error on garbage');
  assert.match(live().lastError!, /not JSON/);
  sim.setFault('silence');
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline on silence');
  sim.setFault(null);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'recovered');
});

function context(shared: ResourceScope, warnings: string[] = []): CollectorContext {
  const kv = new Map<string, string>();
  const quiet = () => undefined;
  return {
    machine: 'jeni',
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

async function direct(t: TestContext) {
  const sim = await JeniSimulator.start();
  const shared = new ResourceScope();
  t.after(async () => {
    await shared.close();
    await sim.close();
  });
  const warnings: string[] = [];
  const collector = new PhotocentricJeniCollector(
    photocentricJeniConnection.parse({ host: sim.host, port: sim.port }),
    context(shared, warnings),
  );
  return { sim, collector, warnings };
}

test('readPresets: name, the steps in a line, the steps as details; presets added, changed and removed', async (t) => {
  const { sim, collector } = await direct(t);
  const signal = () => AbortSignal.timeout(5000);
  let presets = await collector.readPresets!(signal());
  assert.deepEqual(presets[0], {
    name: 'Durable DL110 HB Bottle Cap',
    description:
      'print (Durable DL110 HB, 0.1 mm, 30 min) → wash (Photocentric Resin Cleaner, 5 min) → cure (60 °C, 30 min)',
    details: [
      {
        step: 1,
        type: 'print',
        name: 'Print',
        duration_s: 1800,
        resin: 'Durable DL110 HB',
        layer_height_mm: 0.1,
      },
      { step: 2, type: 'wash', name: 'Wash', duration_s: 300, fluid: 'Photocentric Resin Cleaner' },
      { step: 3, type: 'cure', name: 'Cure', duration_s: 1800, temperature_c: 60 },
    ],
  });
  assert.equal(presets.length, 2);

  sim.presets.push({
    id: 'p-flex',
    name: 'Flexible Gasket',
    material: 'Flexible 40',
    steps: [
      { type: 'print', name: 'Print', duration_s: 600 },
      { type: 'wash', name: 'Wash', duration_s: 120 },
    ],
  });
  sim.presets[0]!.steps[2]!.temperature_c = 70;
  sim.presets.splice(1, 1);
  presets = await collector.readPresets!(signal());
  assert.deepEqual(
    presets.map((p) => [p.name, p.description]),
    [
      [
        'Durable DL110 HB Bottle Cap',
        'print (Durable DL110 HB, 0.1 mm, 30 min) → wash (Photocentric Resin Cleaner, 5 min) → cure (70 °C, 30 min)',
      ],
      ['Flexible Gasket', 'print (10 min) → wash (2 min)'],
    ],
  );
});

test('an unknown bay state is logged once', async (t) => {
  const { sim, collector, warnings } = await direct(t);
  sim.bayOverride.set('P2', 'levelling');
  const first = await collector.poll(AbortSignal.timeout(5000));
  await collector.poll(AbortSignal.timeout(5000));
  assert.equal(first.snapshot.state, 'unknown');
  assert.deepEqual(warnings, ['the JENI cell reports a bay state Echo does not know ("levelling")']);
});

test('verify, after a restart: what the cell shows proves a resume or a start, never a pause it does not show', async (t) => {
  const { sim, collector } = await direct(t);
  const signal = () => AbortSignal.timeout(5000);
  assert.equal(
    (await collector.verify!({ type: 'cancel_job' }, signal())) !== undefined,
    true,
    'no job: a cancel took effect',
  );
  const id = sim.startJob('gasket-run', sim.presets[0]!.name);
  assert.ok(id);
  assert.equal(await collector.verify!({ type: 'pause_job' }, signal()), undefined, 'printing, not paused');
  assert.equal(await collector.verify!({ type: 'cancel_job', jobExternalId: id }, signal()), undefined);
  const resumed = await collector.verify!({ type: 'resume_job' }, signal());
  assert.equal(resumed?.reply.verified_after_restart, true);
  const started = await collector.verify!(
    { type: 'start_job', file: { path: '', name: 'gasket-run.ctb' } },
    signal(),
  );
  assert.match(started?.message ?? '', /start_job took effect/);
  assert.equal(
    await collector.verify!({ type: 'start_job', file: { path: '', name: 'other.ctb' } }, signal()),
    undefined,
  );
});
