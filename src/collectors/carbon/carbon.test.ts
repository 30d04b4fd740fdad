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

/** Machines of one Carbon account run by one real agent against the cloud emulator. */
async function startFleet(
  t: TestContext,
  sim: CarbonSimulator,
  serials: string[],
  listInterval = 0.5,
  tokenMinutes = 60,
) {
  const names = serials.map((_, i) => `carbon-${i + 1}`);
  const { emulator, modelers } = await startEmulator(t, names);
  const dir = tempDir(t);
  const secretFile = join(dir, 'api-secret');
  writeFileSync(secretFile, sim.clientSecret, { mode: 0o600 });
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m, i) => ({
      ...m,
      collector: 'carbon',
      connection: {
        account: 'shop',
        serial: serials[i]!,
        api_url: sim.apiUrl,
        list_interval: listInterval,
        token_minutes: tokenMinutes,
      },
      credentials: { username: sim.clientId, password_ref: `file:${secretFile}` },
      poll_interval: 0.1,
      timeout: 2,
    })),
  };
  const agent = await startAgentWithCollectors(t, config);
  const live = (name: string) => agent.machines().find((m) => m.name === name)!.live!;
  return { agent, emulator, live, names };
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
  const { live, names } = await startFleet(t, sim, [A, B], 0.5);
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'idle'), 10_000, 'both idle');
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
  await waitFor(() => sim.cloud.count(LIST) > throttled + 2, 10_000, 'requests again after Retry-After');
  assert.equal(sim.tokensSeen.size, 1, 'one token for the account');
});

test('a revoked token is signed again once for the account, not once per machine', async (t) => {
  const sim = await simulator(t);
  const { live, names } = await startFleet(t, sim, [A, B], 0.2, 1);
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'idle'), 10_000, 'both idle');
  assert.equal(sim.tokensSeen.size, 1);
  sim.revokeTokens();
  const at = sim.cloud.count(LIST);
  await waitFor(() => sim.cloud.count(LIST) > at + 4, 10_000, 'reading again');
  assert.equal(sim.tokensSeen.size, 2, 'one new token, not one per machine');
  for (const n of names) assert.equal(live(n).lastError ?? null, null, `${n} never failed`);
});

test('an outage is one error for the account, logged once; then recovery', async (t) => {
  const sim = await simulator(t);
  const { live, names, emulator } = await startFleet(t, sim, [A, B], 0.3);
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'idle'), 10_000, 'both idle');
  // The history run at start (daily by default) reads /v1/prints once per machine: done before the fault.
  await waitFor(() => sim.cloud.count(PRINTS) >= names.length, 10_000, 'the start-up history reads');
  await new Promise((r) => setTimeout(r, 200));
  sim.cloud.fault = 'outage';
  await waitFor(() => names.every((n) => live(n).snapshot.state === 'offline'), 10_000, 'both offline');
  assert.equal(live(names[0]!).lastError, live(names[1]!).lastError);
  assert.match(live(names[0]!).lastError!, /Carbon API \(account "shop"\).*503/);
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

test('unknown state, unknown serial, a wrong secret', async (t) => {
  const sim = await simulator(t);
  const { live, names } = await startFleet(t, sim, [A, 'M1-NOTHERE'], 0.2);
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

/** An agent on a fixed data dir reading history every second, so that it can be stopped and started again. */
async function historyFleet(t: TestContext, sim: CarbonSimulator, serials: string[]) {
  const names = serials.map((_, i) => `carbon-${i + 1}`);
  const { emulator, modelers } = await startEmulator(t, names);
  const dir = tempDir(t);
  const secretFile = join(dir, 'api-secret');
  writeFileSync(secretFile, sim.clientSecret, { mode: 0o600 });
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m, i) => ({
      ...m,
      collector: 'carbon',
      connection: { account: 'shop', serial: serials[i]!, api_url: sim.apiUrl, list_interval: 0.2 },
      credentials: { username: sim.clientId, password_ref: `file:${secretFile}` },
      poll_interval: 0.1,
      timeout: 2,
      history: { frequency: 'daily' as const, interval: 1, page_size: 2 },
    })),
  };
  /** print id → how many history captures reached the cloud, and the serial of the machine that sent them. */
  const history = () => {
    const seen = new Map<string, { count: number; serials: Set<string> }>();
    for (const c of emulator.state.captures.values()) {
      if (c.meta.source !== 'carbon-history') continue;
      assert.equal(c.capture_type_name, 'carbon3D.modeler.status');
      const id = String(c.meta.print_id);
      if (c.content) {
        const print = JSON.parse(c.content.toString()) as { print_id: string; printer_serial: string };
        assert.equal(print.print_id, id);
        assert.equal(print.printer_serial, c.meta.serial, 'the print of the machine that sent it');
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

async function runPrint(sim: CarbonSimulator, serial: string, name: string) {
  sim.startPrint(serial, name, 200);
  await waitFor(() => !sim.busy, 5_000, `${name} ended`);
  await new Promise((r) => setTimeout(r, 20));
}

test('history: prints that ended while Echo was stopped reach the cloud once each after a restart, on their own machine', async (t) => {
  const sim = await simulator(t);
  const { start, history, names } = await historyFleet(t, sim, [A, B]);
  let agent = await start();
  await runPrint(sim, A, 'seen-live');
  const first = sim.finishedJobs[0]!.id;
  await waitFor(() => history().has(first), 15_000, 'the first print through the history read');
  await agent.stop();

  await runPrint(sim, A, 'while-down-1');
  await runPrint(sim, B, 'while-down-2');
  await runPrint(sim, A, 'while-down-3');
  await runPrint(sim, A, 'while-down-4');
  await runPrint(sim, B, 'while-down-5');
  const ended = sim.finishedJobs;
  assert.equal(ended.length, 6);

  agent = await start();
  await waitFor(
    () => ended.every((j) => history().has(j.id)) && agent.store.stats.captureBacklog() === 0,
    20_000,
    'every ended print in the cloud',
  );
  await new Promise((r) => setTimeout(r, 2_500));
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 10_000, 'backlog empty');
  const seen = history();
  assert.deepEqual([...seen.keys()].sort(), ended.map((j) => j.id).sort(), 'the ended prints, no other');
  for (const job of ended) {
    assert.equal(seen.get(job.id)!.count, 1, `${job.name} once`);
    assert.deepEqual([...seen.get(job.id)!.serials], [job.serial], `${job.name} on its own machine`);
  }
  const jobs = agent.machineJobs(names[0]!, 1000);
  assert.ok(
    jobs.some((j) => j.name === 'while-down-3'),
    'the job history has the print that ran while Echo was down',
  );
});

test('history: a 429 on /prints pauses the whole account; the prints arrive once after the pause', async (t) => {
  const sim = await simulator(t);
  const { start, history } = await historyFleet(t, sim, [A, B]);
  const agent = await start();
  const live = (n: string) => agent.machines().find((m) => m.name === n)!.live!;
  await waitFor(
    () => ['carbon-1', 'carbon-2'].every((n) => live(n)?.snapshot.state === 'idle'),
    10_000,
    'idle',
  );
  await waitFor(() => sim.cloud.count(PRINTS) >= 2, 10_000, 'history read by both machines');

  sim.throttleHistory = 3;
  const before = sim.cloud.count(PRINTS);
  await waitFor(() => sim.cloud.count(PRINTS) > before, 5_000, 'the throttled history read');
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
