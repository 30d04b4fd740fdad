import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import { Agent } from '../../core/agent.ts';
import { resolveConfig } from '../../core/config/load.ts';
import { allCollectors } from '../all.ts';
import { findUltimakers } from './discovery.ts';
import { UltimakerSimulator } from './simulator/ultimaker-simulator.ts';

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function setup(t: import('node:test').TestContext, speed = 60) {
  const sim = await UltimakerSimulator.start({ speed });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['um-1']);
  const base = testConfig(tempDir(t), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 0.2,
      timeout: 1,
    })),
  };
  const agent = await startAgentWithCollectors(t, config);
  const live = () => agent.machines()[0]!.live!;
  return { sim, emulator, agent, live };
}

test('a whole job: idle → printing → paused → printing → idle, with captures and events in the cloud', async (t) => {
  const { sim, emulator, agent, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.firmware, '5.8.2.20231212');
  // system/guid is not the serial number: without `serial_number` in the config there is none.
  assert.notEqual(sim.guid, undefined);
  assert.equal(live().snapshot.serialNumber, undefined);

  sim.startJob('bracket-v3', 120);
  await waitFor(
    () => live().snapshot.state === 'printing' && (live().snapshot.job?.progress ?? 0) > 0,
    10_000,
    'printing',
  );
  const job = live().snapshot.job!;
  assert.equal(job.name, 'bracket-v3');
  assert.ok(job.remainingSeconds! < 120 && job.elapsedSeconds! > 0);
  const nozzle = live().snapshot.gauges.find((g) => g.name === 'nozzle_1_temperature')!;
  assert.equal(nozzle.unit, '°C');
  assert.equal(nozzle.target, 210);

  sim.pause();
  await waitFor(() => live().snapshot.state === 'paused', 10_000, 'paused');
  sim.resume();
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing again');
  await waitFor(() => live().snapshot.state === 'idle', 15_000, 'finished');
  assert.equal(live().snapshot.job, undefined);

  await waitFor(
    () => agent.store.stats.captureBacklog() === 0 && emulator.state.captures.size >= 3,
    15_000,
    'captures sent',
  );
  // Uploaded ones only: the agent goes on polling, and a capture made since has no content yet.
  const captures = [...emulator.state.captures.values()].filter((c) => c.content);
  assert.ok(captures.every((c) => c.capture_type_name === 'ultimaker.modeler.log'));
  const documents = captures.map(
    (c) => JSON.parse(c.content!.toString()) as { print_job: { name: string } | null },
  );
  assert.ok(
    documents.some((d) => d.print_job?.name === 'bracket-v3'),
    'the raw print_job document reached the cloud',
  );
  assert.ok(
    documents.some((d) => d.print_job === null),
    'and the idle one',
  );

  await waitFor(
    () =>
      emulator.state.logBatches.some((b) =>
        b.logs.some((l) => (l as { message: string }).message === 'Print job bracket-v3 finished'),
      ),
    15_000,
    'job events as machine logs',
  );
});

test('faults: silence and garbage end in an honest state; a reboot recovers within 30 s', async (t) => {
  const { sim, emulator, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  const modeler = [...emulator.state.modelers.values()][0]!;

  sim.setFault('silence');
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline on silence');
  assert.match(live().lastError!, /did not answer within 1 s/);
  await waitFor(() => modeler.connected === false, 10_000, 'the cloud hears connected: false');

  sim.setFault('garbage');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error on garbage');
  assert.match(live().lastError!, /not JSON/);

  sim.setFault(null);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'recovered');
  await waitFor(
    () => modeler.connected === true && modeler.error === null,
    10_000,
    'the cloud hears connected: true',
  );

  const rebootDone = sim.reboot(1500);
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline while rebooting');
  await rebootDone;
  const back = Date.now();
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back after reboot');
  assert.ok(Date.now() - back < 30_000);
});

test('test connection: a wrong port fails with a clear message, the right one passes', async (t) => {
  const { sim, agent } = await setup(t);
  const wrong = await agent.testMachine({
    ...agent.config.machines[0]!,
    connection: { host: '127.0.0.1', port: await closedPort() },
  });
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, /ECONNREFUSED/);
  const right = await agent.testMachine({
    ...agent.config.machines[0]!,
    connection: { host: sim.host, port: sim.port },
  });
  assert.equal(right.ok, true, right.message);
  assert.match(right.message, /Ultimaker S5 "ultimaker-s5" answered \(firmware 5\.8\.2/);
});

test('a bad connection or an unknown collector is a config error naming the machine and field', async (t) => {
  const dir = tempDir(t);
  const config = resolveConfig(
    {
      data_dir: dir,
      cloud: { url: 'http://127.0.0.1:9/' },
      machines: [
        { name: 'um', collector: 'ultimaker', connection: { host: '', prt: 80 } },
        { name: 'x', collector: 'makerbot' },
      ],
    },
    {},
  );
  await assert.rejects(
    Agent.start({ config, collectors: allCollectors(), api: false }),
    (error: Error & { problems: string[] }) => {
      assert.ok(
        error.problems.some((p) => p.startsWith('machines.0.connection.host: must be at least 1')),
        error.message,
      );
      assert.ok(
        error.problems.some((p) => p.includes('unknown key "prt"')),
        error.message,
      );
      assert.ok(
        error.problems.some((p) => p.startsWith('machines.1.collector: unknown collector "makerbot"')),
        error.message,
      );
      return true;
    },
  );
});

test('discovery: printers answering the DNS-SD query for _ultimaker._tcp become machines for the wizard', async (t) => {
  const sim = await UltimakerSimulator.start({ name: 'um-s5-bay-3' });
  t.after(() => sim.close());
  const port = await sim.startMdnsResponder();
  const found = await findUltimakers(500, { address: '127.0.0.1', port });
  assert.deepEqual(found, [
    {
      collector: 'ultimaker',
      name: 'um-s5-bay-3',
      host: '127.0.0.1',
      // TXT machine=9051.0 is the S5's BOM number.
      model: 'Ultimaker S5',
      connection: { host: '127.0.0.1', port: sim.port },
    },
  ]);
});
