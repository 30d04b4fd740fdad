/**
 * Issue 14, sleep and resume: a laptop's lid, Windows modern standby. Simulated on the agent as it
 * ships (`echo-agent run` in a child process) by stopping it with SIGSTOP in the middle of a poll,
 * for three times the machine's poll timeout, then SIGCONT. At SIGCONT every expired timer fires
 * at once, the poll's timeout first: before, that poll counted as the machine's failure and the
 * machine showed offline for a poll or more. Now the gap is Echo's: the machine is polled again at
 * once on a new connection, nothing counts as downtime, and its history says "Echo was asleep".
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startEmulator, waitFor } from '../helpers/harness.ts';
import { HEALTHY, startHealthyMachine } from '../hostile/attack.ts';
import { RealAgent, sleep } from '../hostile/real-agent.ts';

const TIMEOUT_S = 2;
const PAUSE_MS = 6000;
const ASLEEP_AFTER_S = 3;

/** Waits until `check` holds, asking every 100 ms (a real agent is asked over HTTP). */
const waitUntil = (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) =>
  waitFor(check, timeoutMs, what, { everyMs: 100 });

/** Every status change of the machine the agent stored (a second, read-only connection: WAL). */
function storedStatuses(dataDir: string): Array<{ state: string; connected: number; error: string | null }> {
  const db = new Database(join(dataDir, 'echo.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT state, connected, error FROM machine_status WHERE machine = ? ORDER BY id')
      .all(HEALTHY) as Array<{ state: string; connected: number; error: string | null }>;
  } finally {
    db.close();
  }
}

test('the agent stopped mid-poll for 3× the poll timeout, then continued: no machine failure, polled again at once, "Echo was asleep" in the history', async (t) => {
  const { emulator, modelers } = await startEmulator(t, [HEALTHY]);
  const { sim, probe, entry } = await startHealthyMachine(t);
  const agent = await RealAgent.start(t, {
    cloudUrl: emulator.url,
    modelers,
    machines: [{ ...entry, timeout: TIMEOUT_S }],
    config: { intervals: { asleep_after: ASLEEP_AFTER_S }, log: { level: 'info' } },
  });
  await waitUntil(
    async () => (await agent.machine(HEALTHY)).live?.polls !== undefined && probe.polls.length >= 3,
    20_000,
    'the first polls',
  );
  await waitUntil(
    () => [...emulator.state.modelers.values()].some((m) => m.connected === true),
    20_000,
    'the machine reported connected to the cloud',
  );
  const before = await agent.status();
  const machineBefore = before.machines.find((m) => m.name === HEALTHY)!;

  // Watched from outside all along: during the pause the requests wait, then answer.
  const seen: string[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching && !agent.exited) {
      try {
        const live = (await agent.machine(HEALTHY)).live;
        if (live) seen.push(`${live.snapshot.state}/${live.connected ? 'connected' : 'disconnected'}`);
      } catch {
        // a request that outlived the test's patience: the next one says more
      }
      await sleep(250);
    }
  })();

  // Stop the agent the moment a poll reaches the machine: that poll is in flight for the pause.
  const server = (sim as unknown as { server: Server }).server;
  const stoppedAt = await new Promise<number>((resolve) => {
    const onRequest = (req: { url?: string }) => {
      if (!(req.url ?? '').startsWith('/api/v1/printer')) return;
      server.off('request', onRequest);
      process.kill(agent.pid, 'SIGSTOP');
      resolve(performance.now());
    };
    server.on('request', onRequest);
  });
  await sleep(PAUSE_MS);
  process.kill(agent.pid, 'SIGCONT');
  const resumedAt = performance.now();
  const resumedWall = Date.now();
  t.diagnostic(`stopped for ${Math.round(resumedAt - stoppedAt)} ms`);

  await waitUntil(() => probe.polls.some((at) => at > resumedAt), 5000, 'a poll after the resume');
  const firstPollAfter = probe.polls.find((at) => at > resumedAt)! - resumedAt;
  t.diagnostic(`polled again ${Math.round(firstPollAfter)} ms after SIGCONT`);
  assert.ok(firstPollAfter < 2000, `polled again ${Math.round(firstPollAfter)} ms after the resume`);

  // The cloud session is checked at once: the installation is read back (`GET /ecco/<uuid>/`).
  await waitUntil(
    () =>
      emulator.state.requests.some(
        (r) => r.method === 'GET' && /^\/ecco\/[^/]+\/$/.test(r.path) && r.at >= resumedWall,
      ),
    3000,
    'the installation read again after the resume',
  );
  await waitUntil(
    async () => ((await agent.status()).asleep?.length ?? 0) >= 1,
    5000,
    'the gap in the machine history',
  );
  await sleep(3000); // a few polls after the resume, watched
  watching = false;
  await watcher;
  agent.assertAlive('after the resume');

  const after = await agent.status();
  const machine = after.machines.find((m) => m.name === HEALTHY)!;
  // Not the machine's failure, not its downtime.
  assert.equal(machine.live?.failures, machineBefore.live?.failures, 'no failure counted for the gap');
  assert.equal(machine.live?.connected, true);
  assert.equal(machine.live?.lastError, undefined);
  assert.ok(
    seen.every((s) => s === 'printing/connected'),
    `the machine as the API showed it during and after the pause: ${[...new Set(seen)].join(', ')}`,
  );
  const offline = storedStatuses(agent.dataDir).filter((s) => s.connected === 0 || s.state === 'offline');
  assert.deepEqual(offline, [], 'no offline or failing status stored');
  const modeler = [...emulator.state.modelers.values()][0]!;
  assert.notEqual(modeler.connected, false, 'the cloud never heard "not connected"');
  assert.notEqual(modeler.status, 'offline', 'the cloud never marked the machine offline');
  // The sleep is not an event-loop stall either: no code held the loop.
  assert.equal(after.eventLoop?.stalls ?? 0, before.eventLoop?.stalls ?? 0, 'no stall counted for the pause');

  // The gap, in the machines' history through the local API (the status), and said once in the log.
  assert.equal(after.asleep?.length, 1);
  const gap = after.asleep![0]!;
  const span = Date.parse(gap.to) - Date.parse(gap.from);
  assert.ok(span >= PAUSE_MS - 500 && span <= PAUSE_MS + 2000, `the gap spans ${span} ms`);
  assert.ok(gap.seconds >= 5 && gap.seconds <= 8, `${gap.seconds} s`);
  assert.equal(gap.kind, 'paused');
  assert.equal(after.counters.asleep_gaps, 1);
  const lines = agent.output.split('\n').filter((line) => line.includes('Echo was asleep from'));
  assert.equal(lines.length, 1, `one log line:\n${lines.join('\n')}`);
  assert.match(lines[0]!, new RegExp(`from ${gap.from} to ${gap.to} \\(${gap.seconds} s\\)`));
  assert.equal(after.counters.clock_jumps, undefined, 'a pause is no clock jump');
});
