import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  startAgentWithCollectors,
  startEmulator,
  startMachine,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import { MarkforgedSimulator } from './simulator/markforged-simulator.ts';

const JOBS = 'GET /api/v3/print_jobs';
const LIST = 'GET /api/v3/devices';
const A = 'X7-1234ABCD';
const B = 'FX10-9876WXYZ';

async function simulator(t: TestContext) {
  const sim = await MarkforgedSimulator.start({ serials: [A, B], layerMs: 60 });
  t.after(() => sim.close());
  return sim;
}

/** Machines of one Eiger organization run by one real agent against the cloud emulator. */
async function startFleet(t: TestContext, sim: MarkforgedSimulator, serials: string[], listInterval = 0.5) {
  const names = serials.map((_, i) => `mf-${i + 1}`);
  const { emulator, modelers } = await startEmulator(t, names);
  const dir = tempDir(t);
  const secretFile = join(dir, 'secret-key');
  writeFileSync(secretFile, sim.secretKey, { mode: 0o600 });
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m, i) => ({
      ...m,
      collector: 'markforged',
      connection: { account: 'shop', serial: serials[i]!, api_url: sim.apiUrl, list_interval: listInterval },
      credentials: { username: sim.accessKey, password_ref: `file:${secretFile}` },
      poll_interval: 0.1,
      timeout: 2,
    })),
  };
  const agent = await startAgentWithCollectors(t, config);
  const live = (name: string) => agent.machines().find((m) => m.name === name)!.live!;
  return { agent, emulator, live, names };
}

test('a whole job through Eiger: idle → printing → finished, with captures in the cloud', async (t) => {
  const sim = await simulator(t);
  const { live, emulator, agent } = await startMachine(t, {
    collector: 'markforged',
    connection: { account: 'shop', serial: A, api_url: sim.apiUrl, list_interval: 0.2 },
    username: sim.accessKey,
    secret: sim.secretKey,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, A);
  const id = sim.startJob(A, 'bracket', 60);
  await waitFor(
    () => live().snapshot.state === 'printing' && (live().snapshot.job?.layer ?? 0) > 0,
    10_000,
    'printing',
  );
  assert.equal(live().snapshot.job?.id, id);
  assert.equal(live().snapshot.job?.name, 'bracket');
  assert.equal(live().snapshot.job?.layers, 60);
  await waitFor(() => live().snapshot.job?.result === 'finished', 15_000, 'finished');
  assert.equal(live().snapshot.state, 'idle');
  await waitFor(
    () =>
      agent.store.stats.captureBacklog() === 0 &&
      [...emulator.state.captures.values()].some((c) => c.content?.toString().includes('"COMPLETED"')),
    15_000,
    'captures sent',
  );
  assert.ok(
    [...emulator.state.captures.values()].every((c) => c.capture_type_name === 'markforged.modeler.status'),
  );
});

test('two machines on one organization: one list request per interval; a 429 pauses the whole account', async (t) => {
  const sim = await simulator(t);
  const { live, names } = await startFleet(t, sim, [A, B], 0.5);
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'idle'), 10_000, 'both idle');
  sim.startJob(B, 'gear', 10_000);
  await waitFor(() => live(names[1]!).snapshot.state === 'printing', 10_000, 'B printing');
  assert.equal(live(names[0]!).snapshot.state, 'idle');
  const before = sim.cloud.count(LIST);
  const pollsBefore = live(names[0]!).polls + live(names[1]!).polls;
  await new Promise((r) => setTimeout(r, 2_500));
  const lists = sim.cloud.count(LIST) - before;
  const polls = live(names[0]!).polls + live(names[1]!).polls - pollsBefore;
  assert.ok(polls >= 10, `the machines polled (${polls})`);
  assert.ok(lists >= 3 && lists <= 7, `about one list request per 0.5 s, got ${lists} for ${polls} polls`);

  sim.cloud.rateLimit(3);
  const at = sim.cloud.count(LIST);
  await waitFor(() => sim.cloud.count(LIST) > at, 5_000, 'the throttled request');
  const throttled = sim.cloud.count(LIST);
  await new Promise((r) => setTimeout(r, 2_000));
  assert.equal(sim.cloud.count(LIST), throttled, 'no request during the pause');
  assert.equal(live(names[1]!).snapshot.state, 'printing', 'the last data is kept');
  await waitFor(() => sim.cloud.count(LIST) > throttled + 2, 10_000, 'requests again after Retry-After');
});

test('an outage is one error for the organization, logged once; then recovery', async (t) => {
  const sim = await simulator(t);
  const { live, names, emulator } = await startFleet(t, sim, [A, B], 0.3);
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'idle'), 10_000, 'both idle');
  // The history run at start (daily by default) reads /print_jobs once per machine: done before the fault.
  await waitFor(() => sim.cloud.count(JOBS) >= names.length, 10_000, 'the start-up history reads');
  await new Promise((r) => setTimeout(r, 200));
  sim.cloud.fault = 'outage';
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'offline'), 10_000, 'both offline');
  assert.equal(live(names[0]!).lastError, live(names[1]!).lastError);
  assert.match(live(names[0]!).lastError!, /Markforged Eiger \(account "shop"\).*503/);
  await new Promise((r) => setTimeout(r, 1_500));
  sim.cloud.fault = null;
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'idle'), 30_000, 'recovered');
  await waitFor(
    () => emulator.state.logBatches.some((b) => JSON.stringify(b.logs).includes('answers again')),
    10_000,
    'the recovery logged',
  );
  const said = emulator.state.logBatches
    .flatMap((b) => b.logs)
    .filter(
      (l) => JSON.stringify(l).includes('answered 503') && !JSON.stringify(l).includes('machine unreachable'),
    );
  assert.equal(said.length, 1, 'the outage logged once');
});

test('unknown state, unknown serial, wrong keys', async (t) => {
  const sim = await simulator(t);
  const { live, names } = await startFleet(t, sim, [A, 'X7-NOTHERE'], 0.2);
  await waitFor(() => live(names[0]!).snapshot.state === 'idle', 10_000, 'idle');
  await waitFor(() => live(names[1]!).snapshot.state === 'error', 10_000, 'unknown serial');
  assert.match(live(names[1]!).lastError!, /does not list device "X7-NOTHERE"/);
  sim.devices.get(A)!.status = 'RECALIBRATING_LASER';
  await waitFor(() => live(names[0]!).snapshot.state === 'unknown', 10_000, 'unknown');
  assert.equal(live(names[0]!).lastError ?? null, null);

  const other = await MarkforgedSimulator.start({ serials: [A], secretKey: 'the-real-one' });
  t.after(() => other.close());
  const wrong = await startMachine(t, {
    collector: 'markforged',
    connection: { account: 'other', serial: A, api_url: other.apiUrl, list_interval: 0.2 },
    username: other.accessKey,
    secret: 'not-the-key',
  });
  await waitFor(() => wrong.live().snapshot.state === 'error', 10_000, 'auth error');
  assert.match(wrong.live().lastError!, /refused the credentials \(401\)/);
});

/** An agent on a fixed data dir reading history every second, so that it can be stopped and started again. */
async function historyFleet(t: TestContext, sim: MarkforgedSimulator, serials: string[]) {
  const names = serials.map((_, i) => `mf-${i + 1}`);
  const { emulator, modelers } = await startEmulator(t, names);
  const dir = tempDir(t);
  const secretFile = join(dir, 'secret-key');
  writeFileSync(secretFile, sim.secretKey, { mode: 0o600 });
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m, i) => ({
      ...m,
      collector: 'markforged',
      connection: { account: 'shop', serial: serials[i]!, api_url: sim.apiUrl, list_interval: 0.2 },
      credentials: { username: sim.accessKey, password_ref: `file:${secretFile}` },
      poll_interval: 0.1,
      timeout: 2,
      history: { frequency: 'daily' as const, interval: 1, page_size: 2 },
    })),
  };
  /** job id → how many history captures reached the cloud, and the serial of the machine that sent them. */
  const history = () => {
    const seen = new Map<string, { count: number; serials: Set<string> }>();
    for (const c of emulator.state.captures.values()) {
      if (c.meta.source !== 'markforged-history') continue;
      assert.equal(c.capture_type_name, 'markforged.modeler.status');
      const id = String(c.meta.job_id);
      if (c.content) {
        const job = JSON.parse(c.content.toString()) as { id: string; device: string };
        assert.equal(job.id, id);
        assert.equal(job.device, c.meta.device_id, 'the job of the machine that sent it');
      }
      const entry = seen.get(id) ?? { count: 0, serials: new Set<string>() };
      entry.count++;
      entry.serials.add(String(c.meta.serial));
      seen.set(id, entry);
    }
    return seen;
  };
  return { emulator, names, history, start: () => startAgentWithCollectors(t, config) };
}

async function runJob(sim: MarkforgedSimulator, serial: string, name: string, cancel = false) {
  sim.startJob(serial, name, cancel ? 1000 : 4);
  if (cancel) {
    await new Promise((r) => setTimeout(r, 150));
    sim.endJob(serial, 'CANCELLED');
  }
  await waitFor(() => !sim.busy, 5_000, `${name} ended`);
  await new Promise((r) => setTimeout(r, 20));
}

test('history: jobs that ended while Echo was stopped reach the cloud once each after a restart, on their own machine', async (t) => {
  const sim = await simulator(t);
  const { start, history, names } = await historyFleet(t, sim, [A, B]);
  let agent = await start();
  await runJob(sim, A, 'seen-live');
  const first = sim.finishedJobs[0]!.id;
  await waitFor(() => history().has(first), 15_000, 'the first job through the history read');
  await agent.stop();

  await runJob(sim, A, 'while-down-1');
  await runJob(sim, B, 'while-down-2');
  await runJob(sim, A, 'while-down-3', true);
  await runJob(sim, A, 'while-down-4');
  await runJob(sim, A, 'while-down-5');
  await runJob(sim, B, 'while-down-6');
  const ended = sim.finishedJobs;
  assert.equal(ended.length, 7);

  agent = await start();
  await waitFor(
    () => ended.every((j) => history().has(j.id)) && agent.store.stats.captureBacklog() === 0,
    20_000,
    'every ended job in the cloud',
  );
  await new Promise((r) => setTimeout(r, 2_500));
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 10_000, 'backlog empty');
  const seen = history();
  assert.deepEqual([...seen.keys()].sort(), ended.map((j) => j.id).sort(), 'the ended jobs, no other');
  for (const job of ended) {
    assert.equal(seen.get(job.id)!.count, 1, `${job.name} once`);
    assert.deepEqual([...seen.get(job.id)!.serials], [job.serial], `${job.name} on its own machine`);
  }
  const cancelled = agent.machineJobs(names[0]!, 1000).find((j) => j.name === 'while-down-3');
  assert.ok(cancelled, 'the job history has the job that ran while Echo was down');
  assert.equal(cancelled.outcome, 'cancelled');
});

test('history: a 429 on /print_jobs pauses the whole organization; the jobs arrive once after the pause', async (t) => {
  const sim = await simulator(t);
  const { start, history } = await historyFleet(t, sim, [A, B]);
  const agent = await start();
  const live = (n: string) => agent.machines().find((m) => m.name === n)!.live!;
  await waitFor(() => ['mf-1', 'mf-2'].every((n) => live(n)?.snapshot.state === 'idle'), 10_000, 'idle');
  await waitFor(() => sim.cloud.count(JOBS) >= 2, 10_000, 'history read by both machines');

  sim.throttleHistory = 3;
  const before = sim.cloud.count(JOBS);
  await waitFor(() => sim.cloud.count(JOBS) > before, 5_000, 'the throttled history read');
  const lists = sim.cloud.count(LIST);
  const jobs = sim.cloud.count(JOBS);
  await runJob(sim, A, 'during-pause');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(sim.cloud.count(LIST), lists, 'no list request from any machine during the pause');
  assert.equal(sim.cloud.count(JOBS), jobs, 'no history request either');
  for (const n of ['mf-1', 'mf-2']) assert.equal(live(n).snapshot.state, 'idle', `${n} keeps its last state`);

  const id = sim.finishedJobs[0]!.id;
  await waitFor(() => history().has(id), 20_000, 'the job after the pause');
  await waitFor(() => sim.cloud.count(LIST) > lists + 2, 10_000, 'lists again');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(history().get(id)!.count, 1, 'once');
});
