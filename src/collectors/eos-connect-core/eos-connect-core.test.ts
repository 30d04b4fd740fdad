import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { EosCoreSimulator } from './simulator/eos-core-simulator.ts';

async function setup(t: import('node:test').TestContext, password?: string) {
  const sim = await EosCoreSimulator.start({ layersPerSecond: 200 });
  t.after(() => sim.close());
  const machine = await startMachine(t, {
    collector: 'eos-connect-core',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      security: {
        mode: 'SignAndEncrypt',
        policy: 'Basic256Sha256',
        server_certificate_fingerprint: sim.fingerprint,
      },
    },
    username: sim.username,
    secret: password ?? sim.password,
    poll_interval: 0.5,
    timeout: 10,
  });
  return { sim, ...machine };
}

test('EOSCONNECT Core: a build over SignAndEncrypt with a user; its messages become log captures and /logs/ entries', async (t) => {
  const { sim, emulator, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'SI4711');
  sim.build.start('bracket-batch-12', 600);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 10, 10_000, 'building');
  assert.equal(live().snapshot.job?.name, 'bracket-batch-12');
  await waitFor(() => live().snapshot.state === 'idle', 15_000, 'finished');
  sim.build.start('second', 1000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'second build');
  sim.build.fail('Laser 1 shutter fault');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error');

  const text = () =>
    [...emulator.state.captures.values()]
      .filter((c) => c.capture_type_name === 'eos_connect.modeler.log' && c.content)
      .map((c) => c.content!.toString())
      .join('');
  await waitFor(
    () => text().includes('Job failed: Laser 1 shutter fault'),
    15_000,
    'the failure in the log capture',
  );
  assert.match(text(), /\tINFO\t200\tJob "bracket-batch-12" started, 600 layers\n/);
  assert.match(text(), /Job "bracket-batch-12" finished/);
  assert.match(text(), /Layer \d+ of 600/);
  await waitFor(
    () =>
      emulator.state.logBatches.some((b) =>
        b.logs.some(
          (l) => (l as { message: string; level: string }).message === 'Job failed: Laser 1 shutter fault',
        ),
      ),
    10_000,
    'the failure in /logs/',
  );
  const levels = emulator.state.logBatches
    .flatMap((b) => b.logs as Array<{ message: string; level: string }>)
    .filter((l) => l.message.startsWith('Job failed'));
  assert.equal(levels[0]!.level, 'ERROR');
});

test('EOSCONNECT Core: a wrong password is an auth error, and no session is opened', async (t) => {
  const { live } = await setup(t, 'wrong-password');
  await waitFor(() => live().snapshot.state === 'error', 20_000, 'auth error');
  assert.match(live().lastError!, /refused the user name or password/);
});
