import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { EosCoreSimulator } from './simulator/eos-core-simulator.ts';

async function setup(
  t: import('node:test').TestContext,
  sim: EosCoreSimulator,
  connection: Record<string, unknown> = {},
) {
  t.after(() => sim.close());
  return startMachine(t, {
    collector: 'eos-connect-core',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      security: { server_certificate_fingerprint: sim.fingerprint },
      ...connection,
    },
    username: sim.username,
    secret: sim.password,
    poll_interval: 0.5,
    timeout: 10,
  });
}

test('EOSCONNECT Core, OPC 40540 model only: the machine with the configured serial is found below Machines, its job and layers read by browse path', async (t) => {
  const sim = await EosCoreSimulator.start({
    layersPerSecond: 100,
    model: 'only',
    otherMachines: ['SI0001'],
  });
  const { live } = await setup(t, sim, { serial_number: 'SI4711' });
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'SI4711');
  assert.equal(live().snapshot.firmware, 'EOSPRINT 2.14 / Core 1.9');
  sim.build.start('bracket-batch-12', 600);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 10, 10_000, 'building');
  assert.equal(live().snapshot.state, 'printing');
  assert.equal(live().snapshot.job?.name, 'bracket-batch-12');
  assert.equal(live().snapshot.job?.layers, 600);
  sim.build.pause();
  await waitFor(
    () => live().snapshot.state === 'paused',
    5000,
    'paused (ProductionProgramState Interrupted)',
  );
  sim.build.resume();
  sim.build.fail('Laser 1 shutter fault');
  await waitFor(() => live().snapshot.state === 'error', 5000, 'error (MachineryItemState OutOfService)');
});

test('EOSCONNECT Core, OPC 40540 model: a serial no machine has is a protocol error naming the machines', async (t) => {
  const sim = await EosCoreSimulator.start({ model: 'only', otherMachines: ['SI0001'] });
  const { live } = await setup(t, sim, { serial_number: 'SI9999' });
  await waitFor(() => live().snapshot.state === 'error', 20_000, 'error');
  assert.match(live().lastError!, /no machine with the serial number SI9999: it has .*SI0001.*SI4711/);
});

test('EOSCONNECT Core, model and vendor nodes: the model is used where it resolves, the vendor nodes (oxygen, alarm) at their NodeIds', async (t) => {
  const sim = await EosCoreSimulator.start({ layersPerSecond: 100, model: 'both' });
  const { live } = await setup(t, sim);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  sim.build.start('gear', 500);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 5, 10_000, 'building');
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'oxygen')?.value, 0.1);
  sim.build.fail('Recoater jam');
  await waitFor(() => live().snapshot.errors[0] === 'Recoater jam', 5000, 'the vendor alarm');
});
