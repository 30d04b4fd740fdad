import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { SlmSimulator } from './simulator/slm-simulator.ts';

async function setup(
  t: import('node:test').TestContext,
  sim: SlmSimulator,
  connection: Record<string, unknown> = {},
) {
  t.after(() => sim.close());
  return startMachine(t, {
    collector: 'slm',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      security: { server_certificate_fingerprint: sim.fingerprint },
      ...connection,
    },
    poll_interval: 0.5,
    timeout: 10,
  });
}

test('SLM with the OPC 40540 model: the only machine below Machines, read by browse path; the capture carries the standard states', async (t) => {
  const sim = await SlmSimulator.start({ layersPerSecond: 100, model: true });
  const { live, emulator } = await setup(t, sim);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'SLM280-21-0042');
  sim.build.start('impeller.slm', 1000);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 20, 10_000, 'layers');
  assert.equal(live().snapshot.job?.layers, 1000);
  await waitFor(
    () =>
      [...emulator.state.captures.values()].some((c) => {
        const body = c.content ? (JSON.parse(c.content.toString()) as Record<string, unknown>) : {};
        return body['Job.State'] === 'Running' && body['Machine.ItemState'] === 'Executing';
      }),
    15_000,
    'a capture with the standard states',
  );
});

test('SLM: several machines below Machines and no serial_number: the configured NodeIds are read, as before', async (t) => {
  const sim = await SlmSimulator.start({
    layersPerSecond: 100,
    model: true,
    otherMachines: ['SLM280-20-0001'],
  });
  const { live, emulator } = await setup(t, sim);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  sim.build.start('bracket.slm', 500);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  assert.equal(live().snapshot.serialNumber, 'SLM280-21-0042');
  await waitFor(() => emulator.state.captures.size > 0, 10_000, 'a capture');
  const bodies = () =>
    [...emulator.state.captures.values()]
      .filter((c) => c.content)
      .map((c) => JSON.parse(c.content!.toString()) as Record<string, unknown>);
  await waitFor(
    () => bodies().some((b) => b['Machine.State'] === 'Building'),
    10_000,
    'a capture while building',
  );
  assert.ok(
    bodies().every((b) => b['Job.State'] === null),
    'the model was not used',
  );
});

test('SLM: companion_model false reads the configured NodeIds although the server has the model', async (t) => {
  const sim = await SlmSimulator.start({ layersPerSecond: 100, model: true });
  const { live, emulator } = await setup(t, sim, { companion_model: false });
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  sim.build.start('fallback.slm', 500);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 5, 10_000, 'layers');
  // A capture is created first and its content uploaded after: read only uploaded ones.
  const uploaded = () => [...emulator.state.captures.values()].filter((c) => c.content);
  await waitFor(() => uploaded().length > 0, 10_000, 'a capture uploaded');
  const body = JSON.parse(uploaded().at(-1)!.content!.toString()) as Record<string, unknown>;
  assert.equal(body['Job.State'], null, 'no model value read');
});
