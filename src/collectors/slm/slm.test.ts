import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCertificate } from 'node-opcua-crypto';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { fingerprintOf } from '../sdk/opcua-session.ts';
import { SlmSimulator } from './simulator/slm-simulator.ts';

async function setup(
  t: import('node:test').TestContext,
  pin = true,
  subscribe = true,
  maxMessageMb?: number,
) {
  const sim = await SlmSimulator.start({ layersPerSecond: 100 });
  t.after(() => sim.close());
  const machine = await startMachine(t, {
    collector: 'slm',
    connection: {
      endpoint_url: sim.endpointUrl,
      subscribe,
      sampling_interval_ms: 100,
      security: pin ? { server_certificate_fingerprint: sim.fingerprint } : {},
    },
    poll_interval: 0.5,
    timeout: 10,
    ...(maxMessageMb !== undefined ? { max_message_mb: maxMessageMb } : {}),
  });
  return { sim, ...machine };
}

test('a build over OPC UA with subscriptions (SignAndEncrypt): printing with layers, paused, an alarm, idle', async (t) => {
  const { sim, emulator, live, agent, config } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'SLM280-21-0042');
  assert.ok(
    existsSync(join(config.data_dir, 'pki', 'own', 'certs', 'echo-client.pem')),
    'client certificate in data_dir/pki',
  );

  sim.build.start('impeller.slm', 1000);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 50, 10_000, 'layers');
  assert.equal(live().snapshot.state, 'printing');
  assert.equal(live().snapshot.job?.name, 'impeller.slm');
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'oxygen')?.unit, 'ppm');
  const polls = live().polls;
  sim.build.pause();
  await waitFor(() => live().snapshot.state === 'paused', 5000, 'paused');
  assert.ok(live().polls - polls <= 3, 'the pause arrived by subscription, not by waiting for polls');
  sim.build.resume();
  sim.build.fail('Recoater blade damaged');
  await waitFor(() => live().snapshot.state === 'error', 5000, 'error');
  assert.deepEqual(live().snapshot.errors, ['Recoater blade damaged']);
  sim.build.clear();
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'idle again');

  await waitFor(
    () => agent.store.stats.captureBacklog() === 0 && emulator.state.captures.size >= 4,
    15_000,
    'captures',
  );
  const states = [...emulator.state.captures.values()]
    .filter((c) => c.content)
    .map((c) => (JSON.parse(c.content!.toString()) as Record<string, unknown>)['Machine.State']);
  for (const s of ['Idle', 'Building', 'Paused', 'Error'])
    assert.ok(states.includes(s), `a capture while ${s}`);
});

test('OPC UA faults: unknown server certificate is untrusted; a restart is offline, then back with subscriptions', async (t) => {
  const unpinned = await setup(t, false);
  await waitFor(() => unpinned.live().snapshot.state === 'error', 20_000, 'untrusted');
  assert.match(unpinned.live().lastError!, /certificate Echo does not know yet \(SHA-256 [0-9A-F:]{95}\)/);
  const tested = await unpinned.agent.testMachine(unpinned.config.machines[0]!);
  assert.equal(tested.details?.fingerprint, unpinned.sim.fingerprint);

  const { sim, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  const restarted = sim.server.restart(1500);
  await waitFor(() => live().snapshot.state === 'offline', 20_000, 'offline while the server is down');
  await restarted;
  const back = Date.now();
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back after the restart');
  assert.ok(Date.now() - back < 30_000);
  sim.build.start('after-restart', 500);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'subscriptions re-created');

  await sim.server.replaceCertificate();
  await waitFor(
    () => /certificate changed/.test(live().lastError ?? ''),
    30_000,
    'a new certificate is refused',
  );
});

test('with subscriptions off (or refused by the server) the same state is read on each poll', async (t) => {
  const { sim, live } = await setup(t, true, false);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  sim.build.start('polled', 2000);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 10, 10_000, 'layers by reading');
  assert.equal(live().snapshot.state, 'printing');
});

/** The fingerprints in each machine's trust folder, by machine folder. */
function trustedByMachine(dataDir: string): Record<string, string[]> {
  const machines = join(dataDir, 'machines');
  const out: Record<string, string[]> = {};
  for (const folder of readdirSync(machines)) {
    const trusted = join(machines, folder, 'pki', 'trusted', 'certs');
    if (!existsSync(trusted)) continue;
    out[folder] = readdirSync(trusted).map((f) => fingerprintOf(readCertificate(join(trusted, f))));
  }
  return out;
}

test('each machine trusts only its own pinned certificate; a re-pinned one replaces the old', async (t) => {
  const { sim, live, agent, config } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  assert.deepEqual(Object.values(trustedByMachine(config.data_dir)), [[sim.fingerprint]]);
  const shared = join(config.data_dir, 'pki', 'trusted', 'certs');
  assert.ok(!existsSync(shared) || readdirSync(shared).length === 0, 'nothing in a shared trust list');

  // A second machine, whose name differs only by a space: a trust folder of its own.
  const other = await SlmSimulator.start({ layersPerSecond: 100 });
  t.after(() => other.close());
  const first = config.machines[0]!;
  const second = {
    ...first,
    name: first.name.replace('-', ' '),
    connection: {
      ...first.connection,
      endpoint_url: other.endpointUrl,
      security: { server_certificate_fingerprint: other.fingerprint },
    },
  };
  assert.equal((await agent.testMachine(second)).ok, true);
  assert.deepEqual(
    Object.values(trustedByMachine(config.data_dir)).sort(),
    [[other.fingerprint], [sim.fingerprint]].sort(),
  );

  const old = sim.fingerprint;
  await sim.server.replaceCertificate();
  await waitFor(
    () => /certificate changed/.test(live().lastError ?? ''),
    30_000,
    'the new certificate refused',
  );
  const repinned = {
    ...first,
    connection: { ...first.connection, security: { server_certificate_fingerprint: sim.fingerprint } },
  };
  const tested = await agent.testMachine(repinned);
  assert.equal(tested.ok, true, tested.message);
  const after = Object.values(trustedByMachine(config.data_dir)).flat();
  assert.ok(after.includes(sim.fingerprint), 'the new certificate is trusted');
  assert.ok(!after.includes(old), 'the old one is gone');
  assert.equal(after.length, 2, 'one per machine');
});

test('a hostile OPC UA server: a value over max_message_mb ends its channel, the machine fails alone and comes back', async (t) => {
  const { sim, live } = await setup(t, true, false, 1);
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  // A job name of 4 MB: the read answer is four times the limit the client told the server.
  sim.build.start('x'.repeat(4 * 1024 * 1024), 1000);
  await waitFor(() => live().lastError !== undefined, 20_000, 'the oversized answer refused');
  assert.match(live().snapshot.state, /^(error|offline)$/);
  assert.doesNotMatch(live().lastError!, /x{1000}/, 'the error does not carry the payload');
  sim.build.clear();
  sim.build.start('impeller.slm', 1000);
  await waitFor(() => live().snapshot.state === 'printing', 30_000, 'back once the server behaves');
  assert.equal(live().snapshot.job?.name, 'impeller.slm');
});
