import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { type AccountFleet, accountFleet, startAccountFleet } from '../../../test/helpers/vendor-cloud.ts';
import { carbonToken, signHs256, verifyHs256 } from './jwt.ts';
import { CarbonSimulator } from './simulator/carbon-simulator.ts';

const PRINTS = 'GET /v1/prints';
const LIST = 'GET /v1/printers';
const A = 'M2-0042';
const B = 'L1-0007';

async function simulator(t: TestContext) {
  const sim = await CarbonSimulator.start({ serials: [A, B] });
  t.after(() => sim.close());
  return sim;
}

/** Machines of one Carbon account (one per serial) run by one real agent against the cloud emulator. */
function account(sim: CarbonSimulator) {
  return {
    collector: 'carbon',
    prefix: 'carbon',
    cloud: sim.cloud,
    apiUrl: sim.apiUrl,
    username: sim.clientId,
    secret: sim.clientSecret,
  };
}

test('HS256: the token verifies with the secret, not with another; claims iss, iat, exp, jti', () => {
  const token = carbonToken('client', 'secret', 3600, 1_700_000_000_000);
  const claims = verifyHs256(token, 'secret')!;
  assert.equal(claims.iss, 'client');
  assert.equal(claims.exp, 1_700_003_600);
  assert.equal(typeof claims.jti, 'string');
  assert.equal(verifyHs256(token, 'other'), undefined);
  // The well-known jwt.io HS256 example.
  assert.equal(
    signHs256({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, 'your-256-bit-secret'),
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  );
});

test('a whole print through the Carbon API: idle → printing → finished, alerts as errors, captures in the cloud', async (t) => {
  const sim = await simulator(t);
  const { live, emulator, agent } = await startMachine(t, {
    collector: 'carbon',
    connection: { account: 'shop', serial: A, api_url: sim.apiUrl, list_interval: 0.2 },
    username: sim.clientId,
    secret: sim.clientSecret,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.firmware, '1.32.4');
  const id = sim.startPrint(A, 'lattice-midsole', 3_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  assert.equal(live().snapshot.job?.id, id);
  assert.equal(live().snapshot.job?.name, 'lattice-midsole');
  assert.ok(live().snapshot.job!.remainingSeconds! <= 3);
  await waitFor(() => live().snapshot.job?.result === 'finished', 15_000, 'finished');
  assert.equal(live().snapshot.state, 'idle');
  sim.printers.get(A)!.alerts = ['Resin low'];
  await waitFor(() => live().snapshot.errors.includes('Resin low'), 10_000, 'alert shown');
  await waitFor(
    () =>
      agent.store.stats.captureBacklog() === 0 &&
      [...emulator.state.captures.values()].some((c) => c.content?.toString().includes('"finished_at"')),
    15_000,
    'captures sent',
  );
  assert.ok(
    [...emulator.state.captures.values()].every((c) => c.capture_type_name === 'carbon3D.modeler.status'),
  );
  assert.equal(sim.tokensSeen.size, 1, 'one signed token for the whole run');
});

test('two machines on one account: one list request per interval; a 429 pauses the whole account', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B], { listInterval: 0.5 });
  await fleet.allIn('idle', 'both idle');
  const { lists, polls } = await fleet.requestsOver(LIST, 2_500);
  assert.ok(polls >= 10, `the machines polled (${polls})`);
  assert.ok(lists >= 3 && lists <= 7, `about one list request per 0.5 s, got ${lists} for ${polls} polls`);

  const pause = await fleet.rateLimitPause(LIST);
  assert.equal(sim.cloud.count(LIST), pause.throttled, 'no request during the pause');
  await pause.over();
  assert.equal(sim.tokensSeen.size, 1, 'one token for the account');
});

test('a revoked token is signed again once for the account, not once per machine', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B], { connection: { token_minutes: 1 } });
  const { live, names } = fleet;
  await fleet.allIn('idle', 'both idle');
  assert.equal(sim.tokensSeen.size, 1);
  sim.revokeTokens();
  const at = sim.cloud.count(LIST);
  await waitFor(() => sim.cloud.count(LIST) > at + 4, 10_000, 'reading again');
  assert.equal(sim.tokensSeen.size, 2, 'one new token, not one per machine');
  for (const n of names) assert.equal(live(n).lastError ?? null, null, `${n} never failed`);
});

test('an outage is one error for the account, logged once; then recovery', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B], { listInterval: 0.3 });
  await fleet.allIn('idle', 'both idle');
  await fleet.startupHistoryRead(PRINTS);
  const errors = await fleet.outage();
  assert.equal(errors[0], errors[1]);
  assert.match(errors[0]!, /Carbon API \(account "shop"\).*503/);
  await fleet.logged('answers again', 'the recovery logged');
  const said = fleet.outageLogs();
  assert.equal(said.length, 1, 'the outage logged once');
});

test('unknown state, unknown serial, a wrong secret', async (t) => {
  const sim = await simulator(t);
  const { live, names } = await startAccountFleet(t, account(sim), [A, 'M1-NOTHERE']);
  await waitFor(() => live(names[0]!).snapshot.state === 'idle', 10_000, 'idle');
  await waitFor(() => live(names[1]!).snapshot.state === 'error', 10_000, 'unknown serial');
  assert.match(live(names[1]!).lastError!, /does not list printer "M1-NOTHERE"/);
  sim.printers.get(A)!.state = 'RESIN_HEATING';
  await waitFor(() => live(names[0]!).snapshot.state === 'unknown', 10_000, 'unknown');
  assert.equal(live(names[0]!).lastError ?? null, null);

  const wrong = await startMachine(t, {
    collector: 'carbon',
    connection: { account: 'other', serial: A, api_url: sim.apiUrl, list_interval: 0.2 },
    username: sim.clientId,
    secret: 'not-the-secret',
  });
  await waitFor(() => wrong.live().snapshot.state === 'error', 10_000, 'auth error');
  assert.match(wrong.live().lastError!, /refused the credentials \(401\)/);
});

/** print id → how many history captures reached the cloud, and the serials of the machines that sent them. */
function historyOf(fleet: AccountFleet) {
  return fleet.historyFrom({
    source: 'carbon-history',
    captureType: 'carbon3D.modeler.status',
    id: { meta: 'print_id', content: 'print_id' },
    machine: { meta: 'serial', content: 'printer_serial' },
  });
}

async function runPrint(sim: CarbonSimulator, serial: string, name: string) {
  sim.startPrint(serial, name, 200);
  await waitFor(() => !sim.busy, 5_000, `${name} ended`);
  await new Promise((r) => setTimeout(r, 20));
}

test('history: prints that ended while Echo was stopped reach the cloud once each after a restart, on their own machine', async (t) => {
  const sim = await simulator(t);
  const fleet = await accountFleet(t, account(sim), [A, B], { history: true });
  const history = historyOf(fleet);
  await fleet.start();
  await runPrint(sim, A, 'seen-live');
  const first = sim.finishedJobs[0]!.id;
  await waitFor(() => history().has(first), 15_000, 'the first print through the history read');
  await fleet.agent.stop();

  await runPrint(sim, A, 'while-down-1');
  await runPrint(sim, B, 'while-down-2');
  await runPrint(sim, A, 'while-down-3');
  await runPrint(sim, A, 'while-down-4');
  await runPrint(sim, B, 'while-down-5');
  const ended = sim.finishedJobs;
  assert.equal(ended.length, 6);

  const agent = await fleet.start();
  await fleet.captured(() => ended.every((j) => history().has(j.id)), 'every ended print in the cloud');
  await fleet.moreHistoryRuns();
  const seen = history();
  assert.deepEqual([...seen.keys()].sort(), ended.map((j) => j.id).sort(), 'the ended prints, no other');
  for (const job of ended) {
    assert.equal(seen.get(job.id)!.count, 1, `${job.name} once`);
    assert.deepEqual([...seen.get(job.id)!.serials], [job.serial], `${job.name} on its own machine`);
  }
  const jobs = agent.machineJobs(fleet.names[0]!, 1000);
  assert.ok(
    jobs.some((j) => j.name === 'while-down-3'),
    'the job history has the print that ran while Echo was down',
  );
});

test('history: a 429 on /prints pauses the whole account; the prints arrive once after the pause', async (t) => {
  const sim = await simulator(t);
  const fleet = await accountFleet(t, account(sim), [A, B], { history: true });
  const history = historyOf(fleet);
  await fleet.start();
  await fleet.allIn('idle', 'idle');
  await waitFor(() => sim.cloud.count(PRINTS) >= 2, 10_000, 'history read by both machines');

  sim.throttleHistory = 3;
  const before = sim.cloud.count(PRINTS);
  await waitFor(() => sim.cloud.count(PRINTS) > before, 5_000, 'the throttled history read');
  // Another machine's read sent before the 429 came back may still arrive: it was not sent in the
  // pause. What counts is that nothing is sent after it (the pause lasts 3 s).
  await new Promise((r) => setTimeout(r, 500));
  const lists = sim.cloud.count(LIST);
  const prints = sim.cloud.count(PRINTS);
  await runPrint(sim, A, 'during-pause');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(sim.cloud.count(LIST), lists, 'no list request from any machine during the pause');
  assert.equal(sim.cloud.count(PRINTS), prints, 'no history request either');

  const id = sim.finishedJobs[0]!.id;
  await waitFor(() => history().has(id), 20_000, 'the print after the pause');
  await waitFor(() => sim.cloud.count(LIST) > lists + 2, 10_000, 'lists again');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(history().get(id)!.count, 1, 'once');
});
