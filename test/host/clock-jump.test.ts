/**
 * Issue 14, clock jumps: the wall clock steps an hour forwards, then two hours back (NTP after a
 * dead CMOS battery, a user setting the time), while three printers are polled four times a second
 * and the cloud fails every request. Intervals and deadlines run on the monotonic clock, so the
 * polls keep their rate, the backoff keeps its ceiling, nothing floods, and each jump is said once.
 * The seam: a clock whose wall time the test steps (`steppableClock`); timers are real.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import type { Agent } from '../../src/core/agent.ts';
import { steppableClock } from '../../src/core/clock.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';
import { PollProbe, sleep } from '../hostile/real-agent.ts';

const HOUR = 3_600_000;
const MACHINES = ['jumpy-1', 'jumpy-2', 'jumpy-3'];
const POLL_INTERVAL_S = 0.25;
const BACKOFF_MAX_MS = 1000;
const WINDOW_MS = 2000;

/** Polls of every machine and requests that reached the (failing) cloud during the next window. */
async function window(probe: PollProbe, resets: () => number) {
  const from = performance.now();
  const resetsBefore = resets();
  await sleep(WINDOW_MS);
  return {
    polls: probe.polls.filter((at) => at >= from).length,
    requests: resets() - resetsBefore,
  };
}

function captureTotals(agent: Agent) {
  const c = agent.store.stats.counts().captures;
  return {
    stored: c.pending + c.created + c.uploaded + c.acknowledged + c.dead,
    acknowledged: c.acknowledged,
  };
}

test('the wall clock steps +1 h, then −2 h: polls keep their rate, retries their backoff, nothing floods, each jump is said once', async (t) => {
  const { emulator, modelers } = await startEmulator(t, MACHINES);
  const sim = await UltimakerSimulator.start({ name: 'jumpy' });
  t.after(() => sim.close());
  sim.startJob('long-job', 24 * 3600);
  const probe = new PollProbe(sim);
  const base = testConfig(join(tempDir(t), 'data'), emulator.url, modelers, {
    sync: { backoff_initial_ms: 100, backoff_max_ms: BACKOFF_MAX_MS },
  });
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: POLL_INTERVAL_S,
      timeout: 2,
      unchanged_capture_interval: 0,
    })),
  };
  const clock = steppableClock();
  const agent = await startAgentWithCollectors(t, config, clock);
  await waitFor(() => agent.status().cloud.registered, 15_000, 'registration');
  await waitFor(() => probe.polls.length >= 12, 10_000, 'the first polls');

  // The cloud resets every connection: every worker backs off, up to BACKOFF_MAX_MS.
  await emulator.setFaults({ rate_reset: 1 });
  await sleep(1500);
  const resets = () => emulator.state.resets;
  const expectedPolls = (MACHINES.length * WINDOW_MS) / (POLL_INTERVAL_S * 1000);
  const before = await window(probe, resets);
  t.diagnostic(`before: ${JSON.stringify(before)} (expected ${expectedPolls} polls)`);

  clock.jump(HOUR);
  const forward = await window(probe, resets);
  t.diagnostic(`after +1 h: ${JSON.stringify(forward)}`);
  await waitFor(() => agent.status().counters.clock_jumps === 1, 5000, 'the forward jump to be counted');

  clock.jump(-2 * HOUR);
  const jumpedBackAt = resets();
  const sawRetryAfter = performance.now();
  await waitFor(() => resets() > jumpedBackAt, BACKOFF_MAX_MS + 2000, 'a retry after the step back');
  t.diagnostic(`first retry ${Math.round(performance.now() - sawRetryAfter)} ms after the step back`);
  const back = await window(probe, resets);
  t.diagnostic(`after −2 h: ${JSON.stringify(back)}`);
  await waitFor(() => agent.status().counters.clock_jumps === 2, 5000, 'the backward jump to be counted');

  for (const [when, w] of Object.entries({ before, forward, back })) {
    // The scheduler's rate, whatever the wall clock says (±10 % jitter, a loaded test machine).
    assert.ok(
      w.polls >= expectedPolls * 0.6 && w.polls <= expectedPolls * 1.3,
      `${when}: ${w.polls} polls in ${WINDOW_MS} ms, expected about ${expectedPolls}`,
    );
    // Backoff through one gate: a few requests a second at most, never a tight loop.
    assert.ok(w.requests <= 40, `${when}: ${w.requests} requests to a failing cloud in ${WINDOW_MS} ms`);
  }
  assert.ok(back.requests >= 1, 'retries go on after the clock stepped back');
  const lag = agent.pollLag()!.summary();
  assert.ok(lag.maxMs < 1000, `poll lag is measured on the monotonic clock (max ${lag.maxMs} ms)`);

  // The cloud heals: what was stored (its retry times written before the step back, two hours
  // "ahead" now) goes within the backoff ceiling, not in two hours.
  const stored = captureTotals(agent).stored;
  await emulator.setFaults({ rate_reset: 0 });
  await waitFor(
    () => captureTotals(agent).acknowledged >= stored,
    BACKOFF_MAX_MS + 8000,
    'every capture stored before the heal to be acknowledged',
  );

  const status = agent.status();
  assert.equal(status.counters.clock_jumps, 2);
  assert.equal(status.counters.asleep_gaps, undefined, 'a clock jump is no sleep');
  const said = agent.logs({ limit: 20, search: 'clock jumped' });
  assert.equal(said.length, 2, 'each jump said once');
  const sizes = said.map((entry) => entry.context?.jump_ms as number).sort((a, b) => a - b);
  assert.ok(Math.abs(sizes[0]! + 2 * HOUR) < 1000 && Math.abs(sizes[1]! - HOUR) < 1000, `sizes ${sizes}`);
  assert.ok(said.some((entry) => entry.message.includes('forward by 1 h')));
  assert.ok(said.some((entry) => entry.message.includes('back by 2 h')));
  assert.equal(said[0]!.level, 'WARN');
});
