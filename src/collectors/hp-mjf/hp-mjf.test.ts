import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { machineSnapshot } from '../../shared/model/machine-snapshot.ts';
import type { CollectorContext } from '../sdk/collector.ts';
import { ResourceScope } from '../sdk/shared-resources.ts';
import { printerStatus } from './assumed-api.ts';
import { HpMjfCollector } from './collector.ts';
import { hpMjfConnection } from './config.ts';
import { toSnapshot } from './map.ts';
import { HpMjfSimulator, type HpMjfSimulatorOptions } from './simulator/hp-mjf-simulator.ts';

async function setup(t: TestContext, speed = 200, extra: { max_message_mb?: number } = {}) {
  // A warm-up of 2 real seconds at speed 200: several polls see it.
  const sim = await HpMjfSimulator.start({ speed, phases: { warmUp: 400 } });
  t.after(() => sim.close());
  const machine = await startMachine(t, {
    collector: 'hp-mjf',
    connection: { host: sim.host, port: sim.port },
    ...extra,
  });
  return { sim, ...machine };
}

type StatusDoc = { state?: string; job?: { id: string; state: string } | null };

test('a whole job: warming up, printing, cooling, completed; status captures in the cloud', async (t) => {
  const { sim, live, emulator, agent } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'SG-MJF-5200-0815');
  assert.equal(live().snapshot.firmware, '5.12.0.3');
  const gauges = Object.fromEntries(live().snapshot.gauges.map((g) => [g.name, g.value]));
  assert.equal(gauges.material_powder, 62);
  assert.equal(gauges.material_fusing_agent, 87);

  const id = sim.startJob('brackets-batch-3', 40)!;
  await waitFor(
    () => live().snapshot.job?.layer !== undefined && live().snapshot.job!.layer! > 0,
    10_000,
    'layers',
  );
  assert.equal(live().snapshot.state, 'printing');
  assert.equal(live().snapshot.job?.id, id);
  assert.equal(live().snapshot.job?.name, 'brackets-batch-3');
  assert.equal(live().snapshot.job?.layers, 40);
  await waitFor(() => live().snapshot.job?.result === 'finished', 20_000, 'the job completed');
  assert.equal(live().snapshot.state, 'idle');
  assert.equal(live().snapshot.job?.progress, 100);

  // The capture of the ended job reaches the cloud, and every capture is the raw status document.
  const docs = () =>
    [...emulator.state.captures.values()]
      .filter((c) => c.content !== undefined)
      .map((c) => {
        assert.equal(c.capture_type_name, 'hp.modeler.status');
        assert.ok(c.modeler, 'sent with the modeler');
        return JSON.parse(c.content!.toString()) as StatusDoc;
      });
  await waitFor(
    () => docs().some((d) => d.job?.state === 'completed'),
    15_000,
    'the completed job in the cloud',
  );
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 15_000, 'captures sent');
  const states = new Set(docs().map((d) => d.state));
  for (const s of ['idle', 'warming_up', 'printing', 'cooling'])
    assert.ok(states.has(s), `${s} in ${[...states]}`);
});

test('an unknown state word is unknown (not a failed poll); an error alert is an error', async (t) => {
  const { sim, live } = await setup(t, 1);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.stateOverride = { value: 'recalibrating_printheads' };
  await waitFor(() => live().snapshot.state === 'unknown', 10_000, 'unknown');
  assert.equal(live().lastError ?? null, null, 'the poll did not fail');
  sim.stateOverride = { value: 'error' };
  sim.alerts.push({ code: 'PH-0042', severity: 'error', message: 'Printhead 3 failure' });
  sim.alerts.push({ code: 'PW-0001', severity: 'warning', message: 'Powder low' });
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error');
  assert.deepEqual(live().snapshot.errors, ['PH-0042: Printhead 3 failure']);
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'alerts_warning')?.value, 1);
});

test('missing fields leave unknowns, never a failed poll', async (t) => {
  const { sim, live } = await setup(t, 1);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.stateOverride = { value: undefined };
  for (const field of ['printer', 'job', 'materials', 'alerts']) sim.omit.add(field);
  await waitFor(() => live().snapshot.state === 'unknown', 10_000, 'unknown without a state');
  assert.equal(live().lastError ?? null, null);
  assert.equal(live().snapshot.job, undefined);
});

test('garbage, a 500 and an oversized answer fail the poll (error); silence is offline; recovery', async (t) => {
  const { sim, live } = await setup(t, 1, { max_message_mb: 1 });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.setFault('garbage');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error on garbage');
  assert.match(live().lastError!, /not JSON|JSON/);
  sim.setFault('oversized');
  await waitFor(() => /bytes|MB|limit|large/i.test(live().lastError ?? ''), 10_000, 'oversized refused');
  assert.equal(live().snapshot.state, 'error');
  sim.setFault('error500');
  await waitFor(() => /500/.test(live().lastError ?? ''), 10_000, '500');
  sim.setFault('silence');
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline on silence');
  sim.setFault(null);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'recovered');
});

function context(shared: ResourceScope, warnings: string[], credentials = {}): CollectorContext {
  const kv = new Map<string, string>();
  const quiet = () => undefined;
  return {
    machine: 'mjf',
    logger: { debug: quiet, info: quiet, warn: (_o, msg) => void warnings.push(msg ?? ''), error: quiet },
    credentials,
    state: { get: (k) => kv.get(k), set: (k, v) => void kv.set(k, v) },
    dataDir: '/nonexistent',
    pkiDir: '/nonexistent',
    notify: quiet,
    limits: { maxMessageBytes: 16 * 1024 * 1024 },
    shared,
    secrets: { get: () => undefined, set: quiet, delete: quiet },
  };
}

async function direct(t: TestContext, options: HpMjfSimulatorOptions = {}, credentials = {}) {
  const sim = await HpMjfSimulator.start(options);
  const shared = new ResourceScope();
  t.after(async () => {
    await shared.close();
    await sim.close();
  });
  const warnings: string[] = [];
  const collector = new HpMjfCollector(
    hpMjfConnection.parse({ host: sim.host, port: sim.port }),
    context(shared, warnings, credentials),
  );
  return { sim, collector, warnings };
}

test('an unknown state is logged once; testConnection names the printer', async (t) => {
  const { sim, collector, warnings } = await direct(t);
  sim.stateOverride = { value: 'levelling' };
  const first = await collector.poll(AbortSignal.timeout(5000));
  await collector.poll(AbortSignal.timeout(5000));
  assert.equal(first.snapshot.state, 'unknown');
  assert.deepEqual(warnings, [
    'the HP printer reports a state Echo does not know ("levelling"): shown as unknown',
  ]);
  const tested = await collector.testConnection(AbortSignal.timeout(5000));
  assert.equal(tested.ok, true);
  assert.equal(tested.details?.serial, 'SG-MJF-5200-0815');
});

test('a printer with a login: the wrong password is an auth failure', async (t) => {
  const { collector } = await direct(
    t,
    { auth: { username: 'echo', password: 'right' } },
    { username: 'echo', password: 'wrong' },
  );
  await assert.rejects(
    collector.poll(AbortSignal.timeout(5000)),
    (e: { failure?: string }) => e.failure === 'auth',
  );
});

test('a state or job state that names what every object inherits is unknown, and the snapshot is accepted', () => {
  for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const { snapshot, unknownState } = toSnapshot(
      printerStatus.parse({ state: word, job: { id: 'j1', name: 'housing', state: word } }),
    );
    machineSnapshot.parse(snapshot);
    assert.equal(snapshot.state, 'unknown', word);
    assert.equal(snapshot.job?.result, undefined, word);
    assert.equal(unknownState, word);
  }
});
