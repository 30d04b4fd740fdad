import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { type AccountFleet, accountFleet, startAccountFleet } from '../../../test/helpers/vendor-cloud.ts';
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

/** Machines of one Eiger organization (one per serial) run by one real agent against the cloud emulator. */
function account(sim: MarkforgedSimulator) {
  return {
    collector: 'markforged',
    prefix: 'mf',
    cloud: sim.cloud,
    apiUrl: sim.apiUrl,
    username: sim.accessKey,
    secret: sim.secretKey,
  };
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
  const fleet = await startAccountFleet(t, account(sim), [A, B], { listInterval: 0.5 });
  const { live, names } = fleet;
  await fleet.allIn('idle', 'both idle');
  sim.startJob(B, 'gear', 10_000);
  await waitFor(() => live(names[1]!).snapshot.state === 'printing', 10_000, 'B printing');
  assert.equal(live(names[0]!).snapshot.state, 'idle');
  const { lists, polls } = await fleet.requestsOver(LIST, 2_500);
  assert.ok(polls >= 10, `the machines polled (${polls})`);
  assert.ok(lists >= 3 && lists <= 7, `about one list request per 0.5 s, got ${lists} for ${polls} polls`);

  const pause = await fleet.rateLimitPause(LIST);
  assert.equal(sim.cloud.count(LIST), pause.throttled, 'no request during the pause');
  assert.equal(live(names[1]!).snapshot.state, 'printing', 'the last data is kept');
  await pause.over();
});

test('an outage is one error for the organization, logged once; then recovery', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B], { listInterval: 0.3 });
  await fleet.allIn('idle', 'both idle');
  await fleet.startupHistoryRead(JOBS);
  const errors = await fleet.outage();
  assert.equal(errors[0], errors[1]);
  assert.match(errors[0]!, /Markforged Eiger \(account "shop"\).*503/);
  await fleet.logged('answers again', 'the recovery logged');
  const said = fleet.outageLogs();
  assert.equal(said.length, 1, 'the outage logged once');
});

test('unknown state, unknown serial, wrong keys', async (t) => {
  const sim = await simulator(t);
  const { live, names } = await startAccountFleet(t, account(sim), [A, 'X7-NOTHERE']);
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

/** job id → how many history captures reached the cloud, and the serials of the machines that sent them. */
function historyOf(fleet: AccountFleet) {
  return fleet.historyFrom({
    source: 'markforged-history',
    captureType: 'markforged.modeler.status',
    id: { meta: 'job_id', content: 'id' },
    machine: { meta: 'device_id', content: 'device' },
  });
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
  const fleet = await accountFleet(t, account(sim), [A, B], { history: true });
  const history = historyOf(fleet);
  await fleet.start();
  await runJob(sim, A, 'seen-live');
  const first = sim.finishedJobs[0]!.id;
  await waitFor(() => history().has(first), 15_000, 'the first job through the history read');
  await fleet.agent.stop();

  await runJob(sim, A, 'while-down-1');
  await runJob(sim, B, 'while-down-2');
  await runJob(sim, A, 'while-down-3', true);
  await runJob(sim, A, 'while-down-4');
  await runJob(sim, A, 'while-down-5');
  await runJob(sim, B, 'while-down-6');
  const ended = sim.finishedJobs;
  assert.equal(ended.length, 7);

  const agent = await fleet.start();
  await fleet.captured(() => ended.every((j) => history().has(j.id)), 'every ended job in the cloud');
  await fleet.moreHistoryRuns();
  const seen = history();
  assert.deepEqual([...seen.keys()].sort(), ended.map((j) => j.id).sort(), 'the ended jobs, no other');
  for (const job of ended) {
    assert.equal(seen.get(job.id)!.count, 1, `${job.name} once`);
    assert.deepEqual([...seen.get(job.id)!.serials], [job.serial], `${job.name} on its own machine`);
  }
  const cancelled = agent.machineJobs(fleet.names[0]!, 1000).find((j) => j.name === 'while-down-3');
  assert.ok(cancelled, 'the job history has the job that ran while Echo was down');
  assert.equal(cancelled.outcome, 'cancelled');
});

test('history: a 429 on /print_jobs pauses the whole organization; the jobs arrive once after the pause', async (t) => {
  const sim = await simulator(t);
  const fleet = await accountFleet(t, account(sim), [A, B], { history: true });
  const history = historyOf(fleet);
  await fleet.start();
  await fleet.allIn('idle', 'idle');
  await waitFor(() => sim.cloud.count(JOBS) >= 2, 10_000, 'history read by both machines');

  sim.throttleHistory = 3;
  const before = sim.cloud.count(JOBS);
  await waitFor(() => sim.cloud.count(JOBS) > before, 5_000, 'the throttled history read');
  // Another machine's read sent before the 429 came back may still arrive: it was not sent in the
  // pause. What counts is that nothing is sent after it (the pause lasts 3 s).
  await new Promise((r) => setTimeout(r, 500));
  const lists = sim.cloud.count(LIST);
  const jobs = sim.cloud.count(JOBS);
  await runJob(sim, A, 'during-pause');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(sim.cloud.count(LIST), lists, 'no list request from any machine during the pause');
  assert.equal(sim.cloud.count(JOBS), jobs, 'no history request either');
  for (const n of fleet.names)
    assert.equal(fleet.live(n).snapshot.state, 'idle', `${n} keeps its last state`);

  const id = sim.finishedJobs[0]!.id;
  await waitFor(() => history().has(id), 20_000, 'the job after the pause');
  await waitFor(() => sim.cloud.count(LIST) > lists + 2, 10_000, 'lists again');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(history().get(id)!.count, 1, 'once');
});

test('history: a /print_jobs whose next links loop ends at the repeated page, not at the page cap, and says why', async (t) => {
  const sim = await simulator(t);
  for (const name of ['loop-1', 'loop-2', 'loop-3', 'loop-4', 'loop-5']) await runJob(sim, A, name);
  sim.printJobsNextLoops = true;
  const fleet = await accountFleet(t, account(sim), [A], { history: true });
  const history = historyOf(fleet);
  await fleet.start();
  await fleet.logged('names a page already read as its next', 'the loop logged');
  // The newest page (3 jobs) is read; page 1 is asked at most once per read (it was 49 times).
  await fleet.captured(() => history().size >= 3, 'the newest page of jobs in the cloud');
  const asked = (page: string) => sim.printJobPagesAsked.get(page) ?? 0;
  assert.ok(asked('1') <= asked('first'), `page 1 asked ${asked('1')} times in ${asked('first')} reads`);
});
