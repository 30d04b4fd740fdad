import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
import { jobReference } from './protocol.ts';
import { EosConnectSimulator } from './simulator/eos-connect-simulator.ts';

const TYPE = 'eosconnet_v6_http_modeler.jobs';

function cloudJobIds(emulator: CloudEmulator): string[] {
  return [...emulator.state.captures.values()]
    .filter((c) => c.capture_type_name === TYPE && c.content !== undefined)
    .flatMap((c) =>
      (JSON.parse(c.content!.toString()) as { jobs: Array<{ id: number }> }).jobs.map((j) => String(j.id)),
    );
}

/** An agent on a fixed data dir, so that it can be stopped and started again. */
async function historyAgent(
  t: import('node:test').TestContext,
  sim: EosConnectSimulator,
  watermark?: string,
) {
  const { emulator, modelers } = await startEmulator(t, ['eos-m290']);
  if (watermark) [...emulator.state.modelers.values()][0]!.watermark = watermark;
  const dir = tempDir(t);
  const secret = join(dir, 'eos-password');
  writeFileSync(secret, sim.password, { mode: 0o600 });
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'eos-connect-v6',
      connection: { host: sim.host, port: sim.port, tls: { fingerprint: sim.fingerprint } },
      credentials: { username: sim.username, password_ref: `file:${secret}` },
      poll_interval: 0.5,
      timeout: 2,
      history: { frequency: 'daily' as const, interval: 1, page_size: 250 },
    })),
  };
  return { emulator, start: () => startAgentWithCollectors(t, config) };
}

test('a build over HTTPS with a pinned certificate and Basic auth: printing with layers, then idle', async (t) => {
  const sim = await EosConnectSimulator.start({ layersPerSecond: 500 });
  t.after(() => sim.close());
  const { live, modeler } = await startMachine(t, {
    collector: 'eos-connect-v6',
    connection: { host: sim.host, port: sim.port, tls: { fingerprint: sim.fingerprint } },
    secret: sim.password,
    username: sim.username,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'SI2381');
  assert.equal(live().snapshot.firmware, '6.2.1');
  sim.startJob('turbine-blade.openjob', 1000);
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 100, 10_000, 'layers');
  assert.equal(live().snapshot.state, 'printing');
  assert.equal(live().snapshot.job?.layers, 1000);
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'oxygen')?.unit, '%');
  await waitFor(() => live().snapshot.state === 'idle', 15_000, 'finished');
  await waitFor(() => modeler().connected === true, 10_000, 'the cloud hears connected');

  sim.setFault('silence');
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline when it hangs');
  sim.setFault(null);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back');
});

test('credentials and certificates: a wrong password is an auth error, an unknown certificate is untrusted', async (t) => {
  const sim = await EosConnectSimulator.start();
  t.after(() => sim.close());
  const { agent, config } = await startMachine(t, {
    collector: 'eos-connect-v6',
    connection: { host: sim.host, port: sim.port, tls: { fingerprint: sim.fingerprint } },
    secret: 'wrong',
    username: sim.username,
  });
  const wrong = await agent.testMachine(config.machines[0]!);
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, /refused the credentials \(401\)/);
  const unknown = await agent.testMachine({
    ...config.machines[0]!,
    connection: { host: sim.host, port: sim.port },
  });
  assert.equal(unknown.ok, false);
  assert.equal(unknown.details?.fingerprint, sim.fingerprint);
});

test('history backfill: 10,000 past jobs, interrupted twice, each job uploaded once, the watermark right', async (t) => {
  const sim = await EosConnectSimulator.start({ history: 10_000, historyDelayMs: 60 });
  t.after(() => sim.close());
  const { emulator, start } = await historyAgent(t, sim);
  const modeler = () => [...emulator.state.modelers.values()][0]!;

  // Interruption 1: the agent stops (a shutdown, an update) in the middle of the backfill.
  const first = await start();
  await waitFor(() => (first.machines()[0]!.history?.collectedThisRun ?? 0) >= 2000, 30_000, '2,000 jobs');
  await first.stop();
  const afterFirst = sim.historyRequests;
  assert.ok(cloudJobIds(emulator).length < 10_000, 'stopped in the middle');

  // Interruption 2: the machine fails mid-backfill, then comes back.
  const second = await start();
  await waitFor(() => sim.historyRequests >= afterFirst + 10, 30_000, 'ten more pages');
  sim.setFault('error500');
  const atFault = second.machines()[0]!.history!.watermark!;
  await waitFor(() => second.machines()[0]!.history?.lastError !== undefined, 10_000, 'the failure seen');
  assert.match(second.machines()[0]!.history!.lastError!, /answered 500/);
  sim.setFault(null);

  const newest = jobReference({
    id: '10000',
    name: '',
    state: '',
    endTime: new Date(Date.UTC(2023, 0, 1) + 5000 * 7 * 60_000).toISOString(),
  });
  assert.ok(atFault < newest, 'failed in the middle');
  await waitFor(() => second.machines()[0]!.history?.watermark === newest, 60_000, 'every job collected');
  await waitFor(() => modeler().watermark === newest, 30_000, 'the cloud watermark');

  const ids = cloudJobIds(emulator);
  assert.equal(ids.length, 10_000, 'each job uploaded once');
  assert.equal(new Set(ids).size, 10_000);
  assert.deepEqual([...new Set(ids)].sort(), [...sim.historyIds].sort());
  // The agent records what it told the cloud once the PUT's reply is in.
  await waitFor(() => second.machines()[0]!.history?.cloudWatermark === newest, 10_000, 'recorded as sent');
  // The machine screen's job history keeps the newest 500, newest first.
  const jobs = second.machineJobs(second.machines()[0]!.name, 1000);
  assert.equal(jobs.length, 500);
  assert.equal(jobs[0]?.source, 'machine');
  assert.ok(Date.parse(jobs[0]!.endedAt!) > Date.parse(jobs[499]!.endedAt!));
});

test('history starts after the cloud watermark; a finished build is collected at the next run', async (t) => {
  const sim = await EosConnectSimulator.start({ history: 1000, layersPerSecond: 400 });
  t.after(() => sim.close());
  const jobs900 = jobReference({
    id: '900',
    name: '',
    state: '',
    endTime: new Date(Date.UTC(2023, 0, 1) + 450 * 7 * 60_000).toISOString(),
  });
  const { emulator, start } = await historyAgent(t, sim, jobs900);
  const agent = await start();
  await waitFor(() => cloudJobIds(emulator).length === 100, 30_000, 'the 100 jobs after the watermark');
  assert.deepEqual(
    cloudJobIds(emulator)
      .map(Number)
      .sort((a, b) => a - b)[0],
    901,
  );
  sim.startJob('new-build.openjob', 400);
  await waitFor(() => cloudJobIds(emulator).includes('1001'), 30_000, 'the new build in the history');
  assert.equal(new Set(cloudJobIds(emulator)).size, cloudJobIds(emulator).length);
  assert.ok(agent.machines()[0]!.history!.watermark!.endsWith('#000000001001'));

  // Job history: the 100 past jobs with the machine's results, and the build Echo saw running
  // once (seen live, then completed by the machine's own record, not doubled).
  const name = agent.machines()[0]!.name;
  await waitFor(() => agent.machineJobs(name, 500).length === 101, 10_000, '101 jobs in the history');
  const jobs = agent.machineJobs(name, 500);
  const build = jobs.filter((j) => j.name === 'new-build.openjob');
  assert.equal(build.length, 1);
  assert.deepEqual([build[0]?.source, build[0]?.outcome], ['seen', 'finished']);
  const outcomes = new Set(jobs.map((j) => j.outcome));
  for (const outcome of ['finished', 'cancelled', 'failed'])
    assert.ok(outcomes.has(outcome as never), outcome);
});
