import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  startAgentWithCollectors,
  startEmulator,
  startMachine,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import type { CloudEmulator } from '../../cloud-emulator/server.ts';
import { parseStreams } from './protocol.ts';
import { MtconnectSimulator } from './simulator/mtconnect-simulator.ts';

const HISTORIC = 'stratasys.connectivity.modeler.historic';

test('a print through MTConnect /current: idle, printing, interrupted, fault, back; status XML in the cloud', async (t) => {
  const sim = await MtconnectSimulator.start();
  t.after(() => sim.close());
  const { emulator, live } = await startMachine(t, {
    collector: 'stratasys-mtconnect',
    connection: { url: sim.url },
    poll_interval: 0.2,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'F370-0099123');
  sim.startJob('manifold-v2.cmb', 1500);
  await waitFor(() => live().snapshot.state === 'printing', 5000, 'printing');
  assert.equal(live().snapshot.job?.name, 'manifold-v2.cmb');
  // The head heats at the simulator's next tick (every 250 ms), not with the Execution change.
  await waitFor(
    () => (live().snapshot.gauges.find((g) => g.name === 'modelhead_temperature')?.value ?? 0) > 300,
    5000,
    'the model head hot',
  );
  sim.interrupt();
  await waitFor(() => live().snapshot.state === 'paused', 5000, 'interrupted');
  sim.resume();
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'finished');
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'part_count')?.value, 1);
  sim.fault('Model material out');
  await waitFor(() => live().snapshot.state === 'error', 5000, 'fault');
  assert.deepEqual(live().snapshot.errors, ['SYSTEM: Model material out']);
  sim.clearFault();
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'cleared');
  sim.setDown(true);
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline');
  sim.setDown(false);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back');

  const executions = () =>
    [...emulator.state.captures.values()]
      .filter((c) => c.capture_type_name === 'stratasys.connectivity.modeler.status' && c.content)
      .flatMap((c) => parseStreams(c.content!.toString(), 'cloud').observations)
      .filter((o) => o.name === 'Execution')
      .map((o) => o.value);
  await waitFor(
    () => ['READY', 'ACTIVE', 'INTERRUPTED', 'STOPPED'].every((e) => executions().includes(e)),
    15_000,
    'the raw XML in the cloud',
  );
});

/** Every (instance, sequence) the historic captures in the cloud hold. */
function collected(emulator: CloudEmulator): string[] {
  return [...emulator.state.captures.values()]
    .filter((c) => c.capture_type_name === HISTORIC && c.content)
    .flatMap((c) => {
      const { header, observations } = parseStreams(c.content!.toString(), 'cloud');
      return observations.map((o) => `${header.instanceId}:${o.sequence}`);
    });
}

test('history is the sample stream after the watermark: once each, across an agent restart, and a gap is flagged', async (t) => {
  const sim = await MtconnectSimulator.start({ bufferSize: 300 });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['f370']);
  const dir = tempDir(t);
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'stratasys-mtconnect',
      connection: { url: sim.url, sample_count: 100 },
      poll_interval: 0.5,
      timeout: 2,
      history: { frequency: 'hourly' as const, interval: 1, page_size: 100 },
    })),
  };
  const modeler = () => [...emulator.state.modelers.values()][0]!;
  const first = await startAgentWithCollectors(t, config);
  await waitFor(() => collected(emulator).length >= 50, 15_000, 'a first window');
  sim.startJob('bracket', 500);
  const issuedBefore = sim.issued;
  await waitFor(
    () => collected(emulator).filter((k) => Number(k.split(':')[1]) >= issuedBefore).length > 0,
    15_000,
    'newer samples',
  );

  // The agent restarts: a new instance id, sequences from 1 again; nothing mistaken for old data.
  sim.restartAgent();
  await waitFor(
    () => new Set(collected(emulator).map((k) => k.split(':')[0])).size === 2,
    15_000,
    'the new instance',
  );
  const keys = collected(emulator);
  assert.equal(new Set(keys).size, keys.length, 'no observation twice');
  await first.stop();

  // Echo is away while the agent's buffer (300) turns over: the next run starts at the oldest
  // observation still there and says there is a gap.
  sim.burst(1000);
  const second = await startAgentWithCollectors(t, config);
  await waitFor(
    () =>
      [...emulator.state.captures.values()].some(
        (c) => c.capture_type_name === HISTORIC && (c.meta as { gap?: boolean }).gap === true,
      ),
    15_000,
    'a capture flagged as after a gap',
  );
  const all = collected(emulator);
  assert.equal(new Set(all).size, all.length, 'still no observation twice');
  await waitFor(
    () => String(modeler().watermark ?? '').startsWith(String(sim.instance).padStart(12, '0')),
    20_000,
    'cloud watermark on the new instance',
  );
  assert.ok(second.machines()[0]!.history!.watermark!.includes(':'));
});
