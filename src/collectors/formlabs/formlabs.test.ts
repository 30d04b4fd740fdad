import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { type AccountFleet, accountFleet, startAccountFleet } from '../../../test/helpers/vendor-cloud.ts';
import { formlabsConnection } from './config.ts';
import { findFormlabsPrinters } from './discovery.ts';
import { FormlabsSimulator, type FormlabsSimulatorOptions } from './simulator/formlabs-simulator.ts';

const PRINTS = 'GET /developer/v1/prints/';
const LIST = 'GET /developer/v1/printers/';
const TOKEN = 'POST /developer/v1/o/token/';
const A = 'Form4-CapableLizard';
const B = 'Form3L-HungryOtter';

/** Machines of one Formlabs account (one per serial) run by one real agent against the cloud emulator. */
function account(sim: FormlabsSimulator) {
  return {
    collector: 'formlabs',
    prefix: 'form',
    cloud: sim.cloud,
    apiUrl: sim.apiUrl,
    username: sim.clientId,
    secret: sim.clientSecret,
  };
}

async function simulator(t: TestContext, options: FormlabsSimulatorOptions = {}) {
  const sim = await FormlabsSimulator.start({ serials: [A, B], layerMs: 60, ...options });
  t.after(() => sim.close());
  return sim;
}

test('a whole job through the Web API: idle → printing → finished, with captures in the cloud', async (t) => {
  const sim = await simulator(t);
  const secret = sim.clientSecret;
  const { live, emulator, agent } = await startMachine(t, {
    collector: 'formlabs',
    connection: { account: 'shop', serial: A, api_url: sim.apiUrl, list_interval: 0.2 },
    username: sim.clientId,
    secret,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, A);
  assert.equal(live().snapshot.firmware, '1.8.2-2345');

  const guid = sim.startJob(A, 'dental-arch', 60);
  await waitFor(
    () => live().snapshot.state === 'printing' && (live().snapshot.job?.layer ?? 0) > 0,
    10_000,
    'printing',
  );
  const job = live().snapshot.job!;
  assert.equal(job.name, 'dental-arch');
  assert.equal(job.id, guid);
  assert.equal(job.layers, 60);
  assert.ok(job.progress! > 0 && job.progress! < 100);
  await waitFor(() => live().snapshot.job?.result === 'finished', 15_000, 'finished');
  assert.equal(live().snapshot.state, 'idle');
  assert.equal(live().snapshot.job?.progress, 100);

  await waitFor(
    () =>
      agent.store.stats.captureBacklog() === 0 &&
      [...emulator.state.captures.values()].some((c) => c.content?.toString().includes('"FINISHED"')),
    15_000,
    'captures sent, the finished job among them',
  );
  const captures = [...emulator.state.captures.values()];
  assert.ok(captures.every((c) => c.capture_type_name === 'formlabs.modeler.status'));
  const raw = JSON.parse(captures[0]!.content!.toString()) as { serial: string; tank_status: unknown };
  assert.equal(raw.serial, A, 'the raw printer document');
  assert.ok(raw.tank_status, 'fields Echo does not map are kept in the capture');
  assert.equal(sim.cloud.count(TOKEN), 1, 'one token for the whole run');
});

test('two machines on one account: one list request per interval, one token, each its own modeler', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B], { listInterval: 0.5 });
  const { live, emulator, names } = fleet;
  await fleet.allIn('idle', 'both idle');
  sim.startJob(B, 'manifold', 10_000);
  await waitFor(() => live(names[1]!).snapshot.state === 'printing', 10_000, 'B printing');
  assert.equal(live(names[0]!).snapshot.state, 'idle', 'A is still idle: each machine reads its own printer');

  const { lists, polls } = await fleet.requestsOver(LIST, 2_500);
  assert.ok(polls >= 10, `the machines polled (${polls})`);
  assert.ok(
    lists >= 3 && lists <= 7,
    `about one list request per 0.5 s for both machines, got ${lists} for ${polls} polls`,
  );
  assert.equal(sim.cloud.count(TOKEN), 1, 'one token for the account');

  await fleet.captured(
    () => {
      const bySerial = new Set(
        [...emulator.state.captures.values()].map(
          (c) => (JSON.parse(c.content!.toString()) as { serial: string }).serial,
        ),
      );
      return bySerial.has(A) && bySerial.has(B);
    },
    'captures of both printers',
    15_000,
  );
  const modelers = new Set([...emulator.state.captures.values()].map((c) => c.modeler));
  assert.equal(modelers.size, 2, 'each machine its own modeler');
});

test('a 429 with Retry-After pauses the whole account; the machines keep the last data meanwhile', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B]);
  const { live, names } = fleet;
  await fleet.allIn('idle', 'both idle');
  await fleet.startupHistoryRead(PRINTS);
  const pause = await fleet.rateLimitPause(LIST);
  assert.equal(
    sim.cloud.count(LIST),
    pause.throttled,
    'no request from any machine of the account during the pause',
  );
  for (const n of names) assert.equal(live(n).snapshot.state, 'idle', `${n} keeps its last state`);
  await pause.over();
  assert.equal(sim.cloud.count(TOKEN), 1);
});

test('an expired token is refreshed once for the account; a token near its end is refreshed before it expires', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B]);
  const { live, names } = fleet;
  await fleet.allIn('idle', 'both idle');
  assert.equal(sim.cloud.count(TOKEN), 1);
  sim.cloud.expireTokens();
  const at = sim.cloud.count(LIST);
  await waitFor(() => sim.cloud.count(LIST) > at + 4, 10_000, 'reading again');
  assert.equal(sim.cloud.count(TOKEN), 2, 'one new token, not one per machine');
  for (const n of names) assert.equal(live(n).lastError ?? null, null, `${n} never failed`);

  // Tokens of 3 s: refreshed at 90 % of their life, before the API refuses them.
  sim.tokenSeconds = 3;
  sim.cloud.expireTokens();
  await waitFor(() => sim.cloud.count(TOKEN) >= 3, 5_000, 'a short token');
  const rejectedBefore = sim.cloud.count(LIST);
  await waitFor(() => sim.cloud.count(TOKEN) >= 4, 6_000, 'refreshed before it expired');
  assert.ok(sim.cloud.count(LIST) > rejectedBefore);
  for (const n of names) assert.equal(live(n).lastError ?? null, null, `${n} never failed`);
});

test('an outage is one error for the account: every machine shows it, the log says it once; then recovery', async (t) => {
  const sim = await simulator(t);
  const fleet = await startAccountFleet(t, account(sim), [A, B], { listInterval: 0.3 });
  await fleet.allIn('idle', 'both idle');
  await fleet.startupHistoryRead(PRINTS);
  const errors = await fleet.outage();
  assert.equal(errors[0], errors[1], 'the same error on both machines');
  assert.match(errors[0]!, /Formlabs Web API \(account "shop"\).*503/);
  await fleet.logged('Formlabs Web API (account \\"shop\\") answers again', 'the recovery logged');
  const said = fleet.outageLogs();
  assert.equal(said.length, 1, `the outage logged once: ${JSON.stringify(said).slice(0, 500)}`);
});

test('a state Echo does not know is unknown; a printer not on the account is an error; garbage fails the poll', async (t) => {
  const sim = await simulator(t);
  const { live, names } = await startAccountFleet(t, account(sim), [A, 'Form4-NotThere']);
  await waitFor(() => live(names[0]!).snapshot.state === 'idle', 10_000, 'idle');
  await waitFor(() => live(names[1]!).snapshot.state === 'error', 10_000, 'unknown serial');
  assert.match(live(names[1]!).lastError!, /does not list printer "Form4-NotThere"/);
  sim.printers.get(A)!.status = 'DEFROSTING';
  await waitFor(() => live(names[0]!).snapshot.state === 'unknown', 10_000, 'unknown');
  assert.equal(live(names[0]!).lastError ?? null, null);
  sim.printers.get(A)!.status = undefined;
  sim.cloud.fault = 'garbage';
  await waitFor(() => live(names[0]!).snapshot.state === 'error', 10_000, 'error on garbage');
  assert.match(live(names[0]!).lastError!, /not JSON|unexpected/);
  sim.cloud.fault = null;
  await waitFor(() => live(names[0]!).snapshot.state === 'idle', 30_000, 'recovered');
});

test('wrong client credentials are an auth error naming the account, and the secret is never logged', async (t) => {
  const sim = await FormlabsSimulator.start({ serials: [A], clientSecret: 'the-real-secret' });
  t.after(() => sim.close());
  const { live, emulator } = await startMachine(t, {
    collector: 'formlabs',
    connection: { account: 'shop', serial: A, api_url: sim.apiUrl, list_interval: 0.2 },
    username: sim.clientId,
    secret: 'a-wrong-secret',
  });
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'auth error');
  assert.match(live().lastError!, /refused the client id and secret/);
  await new Promise((r) => setTimeout(r, 1_500));
  assert.ok(!JSON.stringify(emulator.state.logBatches).includes('a-wrong-secret'));
});

test('local mode: PreFormServer /discover-devices/ and /devices/, no cloud account', async (t) => {
  const sim = await simulator(t);
  const { live } = await startMachine(t, {
    collector: 'formlabs',
    connection: { mode: 'local', serial: B, local_url: sim.cloud.url, list_interval: 0.2 },
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.startJob(B, 'gear', 10_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  assert.equal(sim.cloud.count('POST /discover-devices/'), 1);
  assert.equal(sim.cloud.count(TOKEN), 0);
});

test('discovery: PreFormServer finds the printers on the network; none on this PC is nothing found', async (t) => {
  const sim = await FormlabsSimulator.start();
  t.after(() => sim.close());
  const found = await findFormlabsPrinters(500, sim.cloud.url);
  assert.ok(found.length >= 1);
  for (const machine of found) {
    assert.equal(machine.collector, 'formlabs');
    assert.deepEqual(machine.connection, {
      mode: 'local',
      serial: machine.serialNumber,
      local_url: sim.cloud.url.replace(/\/+$/, ''),
    });
    assert.ok(formlabsConnection.safeParse(machine.connection).success, 'a connection the collector takes');
  }
  assert.deepEqual(await findFormlabsPrinters(200, 'http://127.0.0.1:9'), []);
});

/** guid → how many history captures reached the cloud, and the serials of the machines that sent them. */
function historyOf(fleet: AccountFleet) {
  return fleet.historyFrom({
    source: 'formlabs-history',
    captureType: 'formlabs.modeler.status',
    id: { meta: 'guid', content: 'guid' },
    machine: { meta: 'serial', content: 'printer' },
  });
}

async function runJob(sim: FormlabsSimulator, serial: string, name: string, abort = false) {
  sim.startJob(serial, name, abort ? 1000 : 4);
  if (abort) {
    await new Promise((r) => setTimeout(r, 150));
    sim.endJob(serial, 'ABORTED');
  }
  await waitFor(() => !sim.busy, 5_000, `${name} ended`);
  await new Promise((r) => setTimeout(r, 20));
}

test('history: prints that ended while Echo was stopped reach the cloud once each after a restart, on their own machine', async (t) => {
  const sim = await simulator(t);
  const fleet = await accountFleet(t, account(sim), [A, B], { history: true });
  const history = historyOf(fleet);
  await fleet.start();
  await runJob(sim, A, 'seen-live');
  const first = sim.finishedJobs[0]!.guid;
  await waitFor(() => history().has(first), 15_000, 'the first print through the history read');
  await fleet.agent.stop();

  // Echo is down: prints go on, on both printers, one of them cancelled.
  await runJob(sim, A, 'while-down-1');
  await runJob(sim, B, 'while-down-2');
  await runJob(sim, A, 'while-down-3', true);
  await runJob(sim, A, 'while-down-4');
  await runJob(sim, B, 'while-down-5');
  const ended = sim.finishedJobs;
  assert.equal(ended.length, 6);

  const agent = await fleet.start();
  await fleet.captured(() => ended.every((j) => history().has(j.guid)), 'every ended print in the cloud');
  // Two more history runs (every second) re-read nothing new.
  await fleet.moreHistoryRuns();
  const seen = history();
  assert.deepEqual([...seen.keys()].sort(), ended.map((j) => j.guid).sort(), 'the ended prints, no other');
  for (const job of ended) {
    assert.equal(seen.get(job.guid)!.count, 1, `${job.name} once`);
    assert.deepEqual([...seen.get(job.guid)!.serials], [job.serial], `${job.name} on its own machine`);
  }
  const jobs = agent.machineJobs(fleet.names[0]!, 1000);
  const aborted = jobs.find((j) => j.name === 'while-down-3');
  assert.ok(aborted, 'the job history has the print that ran while Echo was down');
  assert.equal(aborted.outcome, 'cancelled');
});

test('history: a 429 on /prints/ pauses the whole account; the prints arrive once after the pause', async (t) => {
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
  await runJob(sim, A, 'during-pause');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(sim.cloud.count(LIST), lists, 'no list request from any machine during the pause');
  assert.equal(sim.cloud.count(PRINTS), prints, 'no history request either');
  for (const n of fleet.names)
    assert.equal(fleet.live(n).snapshot.state, 'idle', `${n} keeps its last state`);

  const guid = sim.finishedJobs[0]!.guid;
  await waitFor(() => history().has(guid), 20_000, 'the print after the pause');
  await waitFor(() => sim.cloud.count(LIST) > lists + 2, 10_000, 'lists again');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(history().get(guid)!.count, 1, 'once');
  assert.equal(sim.cloud.count(TOKEN), 1, 'one token');
});

/** The log lines the agent sent to the cloud that include `text`. */
function logLines(fleet: AccountFleet, text: string): unknown[] {
  return fleet.emulator.state.logBatches
    .flatMap((b) => b.logs)
    .filter((l) => JSON.stringify(l).includes(text));
}

test('a paged /printers/ is read to its last page: a printer on page 3 is found, each read follows next', async (t) => {
  const C = 'Fuse1-QuietHeron';
  const sim = await FormlabsSimulator.start({ serials: [A, B, C], printersPageSize: 1 });
  t.after(() => sim.close());
  const fleet = await startAccountFleet(t, account(sim), [A, C]);
  await fleet.allIn('idle', 'both idle, the one on page 3 too');
  assert.equal(fleet.live(fleet.names[1]!).snapshot.serialNumber, C);
  assert.ok(sim.cloud.count(LIST) >= 3, 'the three pages read');
  sim.startJob(C, 'impeller', 10_000);
  await waitFor(() => fleet.live(fleet.names[1]!).snapshot.state === 'printing', 10_000, 'C printing');
  assert.equal(sim.cloud.count(TOKEN), 1);
});

test('a next page on another origin is not followed (the token never goes there), and said once', async (t) => {
  const elsewhere = await FormlabsSimulator.start({ serials: [B] });
  t.after(() => elsewhere.close());
  const sim = await FormlabsSimulator.start({
    serials: [A, B],
    printersPageSize: 1,
    nextOrigin: elsewhere.cloud.url,
  });
  t.after(() => sim.close());
  const fleet = await startAccountFleet(t, account(sim), [A, B]);
  const [first, second] = fleet.names as [string, string];
  await waitFor(() => fleet.live(first).snapshot.state === 'idle', 10_000, 'A idle (page 1)');
  await waitFor(() => fleet.live(second).snapshot.state === 'error', 10_000, 'B not listed');
  assert.match(fleet.live(second).lastError!, /does not list printer "Form3L-HungryOtter"/);
  const said = 'names its next page outside';
  await fleet.logged(said, 'the refused link logged');
  const at = sim.cloud.count(LIST);
  await waitFor(() => sim.cloud.count(LIST) > at + 4, 10_000, 'more reads');
  assert.deepEqual([...elsewhere.cloud.counts.keys()], [], 'no request reached the other origin');
  assert.equal(logLines(fleet, said).length, 1, 'said once, not once per read');
});

test('a /printers/ of more than 50 pages is read to 50 pages, and the cut is said once', async (t) => {
  const serials = Array.from({ length: 51 }, (_, i) => `Form4-Printer${i + 1}`);
  const sim = await FormlabsSimulator.start({ serials, printersPageSize: 1 });
  t.after(() => sim.close());
  const fleet = await startAccountFleet(t, account(sim), [serials[49]!, serials[50]!]);
  const [fiftieth, last] = fleet.names as [string, string];
  await waitFor(() => fleet.live(fiftieth).snapshot.state === 'idle', 15_000, 'the 50th printer idle');
  await waitFor(() => fleet.live(last).snapshot.state === 'error', 15_000, 'the 51st not read');
  assert.match(fleet.live(last).lastError!, /does not list printer "Form4-Printer51"/);
  const said = 'has more than 50 pages';
  await fleet.logged(said, 'the cut logged');
  const at = sim.cloud.count(LIST);
  await waitFor(() => sim.cloud.count(LIST) >= at + 100, 20_000, 'two more reads');
  assert.equal(logLines(fleet, said).length, 1, 'said once, not once per read');
});

test('a /printers/ whose next links loop is read to the repeated page, not to the page cap, and said once', async (t) => {
  const sim = await FormlabsSimulator.start({
    serials: [A, B],
    printersPageSize: 1,
    printersNextLoops: true,
  });
  t.after(() => sim.close());
  const fleet = await startAccountFleet(t, account(sim), [A, B]);
  const [first, second] = fleet.names as [string, string];
  await waitFor(() => fleet.live(first).snapshot.state === 'idle', 10_000, 'A idle (page 1)');
  await waitFor(() => fleet.live(second).snapshot.state === 'error', 10_000, 'B never reached');
  const said = 'names a page already read as its next';
  await fleet.logged(said, 'the loop logged');
  // `/printers/` then `?page=1` (the same page under another URL), then the repeat ends the read:
  // page 1 is never asked more often than the list is begun (it was 49 times each, to the cap).
  const asked = (page: string) => sim.printerPagesAsked.get(page) ?? 0;
  const at = asked('first');
  await waitFor(() => asked('first') >= at + 2, 10_000, 'two more reads');
  assert.ok(asked('1') <= asked('first'), `page 1 asked ${asked('1')} times in ${asked('first')} reads`);
  assert.equal(logLines(fleet, said).length, 1, 'said once, not once per read');
});
