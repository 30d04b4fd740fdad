/**
 * The shape shared by the hostile integration tests: a healthy Ultimaker simulator polled every
 * second next to the hostile machines, a baseline while every machine behaves, then the attack,
 * watched from outside (the local API each second, the healthy machine's own request times, the
 * cloud emulator, the process's RSS).
 */
import assert from 'node:assert/strict';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { TestContext } from 'node:test';
import type { CloudEmulator } from '../../src/cloud-emulator/server.ts';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import type { AgentStatus, MachineSummary } from '../../src/core/api/agent-port.ts';
import { waitFor } from '../helpers/harness.ts';
import type { Expectation } from './machine-kit.ts';
import { type MachineEntry, PollProbe, type RealAgent, summarize } from './real-agent.ts';

export const HEALTHY = 'healthy-s5';
/** The healthy machine's poll interval (s); the scheduler adds ±10 % jitter. */
export const HEALTHY_INTERVAL_S = 1;
/** How much later than its jittered interval the healthy machine may be polled under attack (ms). */
export const LATENESS_MARGIN_MS = 500;
/** The agent's resident memory while machines send it tens of MB (it starts near 200 MB). */
export const RSS_BOUND = 400 * 1024 * 1024;

export async function startHealthyMachine(t: TestContext) {
  const sim = await UltimakerSimulator.start({ name: HEALTHY });
  t.after(() => sim.close());
  // A long job: every poll sees the printer printing, and (with no dedupe interval) stores a capture.
  sim.startJob('healthy-benchy', 24 * 3600);
  const probe = new PollProbe(sim);
  // The simulator answers from this process: its own event-loop delay is reported next to the
  // gaps, so a late poll can be told from a busy test process.
  const testLoop = monitorEventLoopDelay({ resolution: 10 });
  testLoop.enable();
  t.after(() => testLoop.disable());
  const entry: MachineEntry = {
    name: HEALTHY,
    collector: 'ultimaker',
    connection: { host: sim.host, port: sim.port },
    poll_interval: HEALTHY_INTERVAL_S,
    timeout: 5,
    unchanged_capture_interval: 0,
  };
  return { sim, probe, entry, testLoop };
}

export interface Sample {
  at: number;
  state: string;
  lastError: string | undefined;
  polls: number;
  failures: number;
}

/** The local API read each second during the attack: every machine's state and error over time. */
export class StatusWatch {
  readonly samples = new Map<string, Sample[]>();
  /** How long each status call took (ms): the API answers from the same event loop as the machines. */
  readonly latencies: number[] = [];
  readonly problems: string[] = [];
  last: MachineSummary[] = [];
  eventLoop: AgentStatus['eventLoop'];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly agent: RealAgent) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running && !this.agent.exited) {
      const started = performance.now();
      try {
        const status = await this.agent.status(15_000);
        this.latencies.push(performance.now() - started);
        this.last = status.machines;
        this.eventLoop = status.eventLoop;
        for (const m of status.machines) {
          const list = this.samples.get(m.name) ?? [];
          list.push({
            at: performance.now(),
            state: m.live?.snapshot.state ?? 'none',
            lastError: m.live?.lastError,
            polls: m.live?.polls ?? 0,
            failures: m.live?.failures ?? 0,
          });
          this.samples.set(m.name, list);
        }
      } catch (error) {
        if (!this.agent.exited) this.problems.push(`status failed: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - started))));
    }
  }

  latest(name: string): Sample | undefined {
    return this.samples.get(name)?.at(-1);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Fetches the status every 500 ms until `check` accepts it. */
export async function waitForStatus(
  agent: RealAgent,
  check: (machines: MachineSummary[]) => boolean,
  timeoutMs: number,
  what: string,
): Promise<MachineSummary[]> {
  const until = Date.now() + timeoutMs;
  let machines: MachineSummary[] = [];
  for (;;) {
    agent.assertAlive(`while waiting for ${what}`);
    try {
      machines = (await agent.status()).machines;
    } catch (error) {
      // A refused or reset call: say so plainly when it is because the process ended.
      await new Promise((r) => setTimeout(r, 500));
      agent.assertAlive(`while waiting for ${what} (the local API call failed: ${String(error)})`);
      throw new Error(`the agent's local API did not answer while waiting for ${what}: ${String(error)}`);
    }
    if (check(machines)) return machines;
    if (Date.now() > until) {
      const lines = machines.map(
        (m) => `  ${m.name}: ${m.live?.snapshot.state} polls=${m.live?.polls} error=${m.live?.lastError}`,
      );
      throw new Error(`timed out waiting for ${what}:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits for `check` (about the outside world: the cloud, a file) while the agent lives. */
export function waitUntil(agent: RealAgent, check: () => boolean, timeoutMs: number, what: string) {
  return waitFor(
    () => {
      agent.assertAlive(`while waiting for ${what}`);
      return check();
    },
    timeoutMs,
    what,
    { everyMs: 200 },
  );
}

/** The machines each polled twice without an error. */
export function allHealthy(names: string[]) {
  return (machines: MachineSummary[]) =>
    names.every((n) => {
      const live = machines.find((m) => m.name === n)?.live;
      return live !== undefined && live.polls >= 2 && live.lastError === undefined;
    });
}

/**
 * The healthy machine kept its schedule during `[from, to)`: each gap between its polls, seen at
 * the machine, within its jittered interval (or the slowest gap of the baseline, if that was
 * slower) plus `LATENESS_MARGIN_MS` and this process's own longest event-loop delay; and it kept
 * being polled.
 */
export function assertOnTime(
  t: TestContext,
  { probe, testLoop }: { probe: PollProbe; testLoop: IntervalHistogram },
  baseline: { from: number; to: number },
  attack: { from: number; to: number },
): void {
  const before = probe.gaps(baseline.from, baseline.to);
  const during = probe.gaps(attack.from, attack.to);
  t.diagnostic(`healthy machine, gaps between polls: baseline ${summarize(before)}`);
  t.diagnostic(`healthy machine, gaps between polls: under attack ${summarize(during)}`);
  t.diagnostic(`the test process's own event-loop delay: max ${(testLoop.max / 1e6).toFixed(0)} ms`);
  assert.ok(before.length >= 4, `a baseline of polls (${before.length} gaps)`);
  // The machine answers from this process: when this process was busy, a poll is seen late by as
  // much as its own event-loop delay, however punctual the agent (which runs in its own process).
  const ownDelayMs = testLoop.max / 1e6;
  const allowed = Math.max(HEALTHY_INTERVAL_S * 1000 * 1.1, ...before) + LATENESS_MARGIN_MS + ownDelayMs;
  const late = during.filter((g) => g > allowed);
  assert.deepEqual(
    late.map((g) => Math.round(g)),
    [],
    `polls of the healthy machine later than ${Math.round(allowed)} ms apart under attack`,
  );
  const span = (attack.to - attack.from) / 1000;
  const expected = Math.floor(span / (HEALTHY_INTERVAL_S * 1.1)) - 1;
  assert.ok(
    during.length >= expected,
    `${during.length} polls in ${span.toFixed(0)} s (at least ${expected})`,
  );
}

/**
 * The healthy machine's captures kept reaching the cloud during the attack (it stores one each
 * poll): no silence longer than `maxGapMs` between their arrivals, the last one recent.
 */
export function assertCapturesFlowed(
  t: TestContext,
  emulator: CloudEmulator,
  modeler: string,
  attack: { fromWall: number; toWall: number },
  maxGapMs = 5000,
): void {
  const arrivals = [...emulator.state.captures.values()]
    .filter((c) => c.modeler === modeler)
    .map((c) => Date.parse(c.created))
    .filter((at) => at >= attack.fromWall && at <= attack.toWall)
    .sort((a, b) => a - b);
  const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
  t.diagnostic(
    `healthy machine, captures reaching the cloud under attack: ${arrivals.length}, gaps ${summarize(gaps)}`,
  );
  const span = attack.toWall - attack.fromWall;
  assert.ok(
    arrivals.length >= span / 1000 / 2,
    `${arrivals.length} captures in ${Math.round(span / 1000)} s`,
  );
  assert.ok(arrivals[0]! - attack.fromWall < maxGapMs, 'captures from the start of the attack');
  assert.ok(attack.toWall - arrivals.at(-1)! < maxGapMs, 'captures until its end');
  assert.ok(
    Math.max(...gaps) < maxGapMs,
    `no ${maxGapMs} ms without a capture (longest ${Math.max(...gaps)} ms)`,
  );
}

/**
 * Every hostile machine ended in the state and error its hostility calls for. Checked against the
 * status samples of the attack: the error must be the one shown at the end (what an operator
 * sees), and it must have been shown at some point; a list of every mismatch, not the first.
 */
export function assertClearErrors(
  watch: StatusWatch,
  expected: Record<string, Expectation>,
  since: number,
): string[] {
  const wrong: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const samples = (watch.samples.get(name) ?? []).filter((s) => s.at >= since);
    const last = samples.at(-1);
    const errors = [...new Set(samples.map((s) => s.lastError ?? '(none)'))];
    if (!last) {
      wrong.push(`${name}: no status sample`);
      continue;
    }
    if (want.recurring) {
      const failures = last.failures - samples[0]!.failures;
      if (
        !samples.some((s) => want.error.test(s.lastError ?? '') && want.state.test(s.state)) ||
        failures < 2
      ) {
        wrong.push(
          `${name}: want ${want.error} recurring (state ${want.state}); ${failures} failures, errors seen: ${errors.map((e) => `"${e.slice(0, 200)}"`).join(', ')}`,
        );
      }
      continue;
    }
    if (!want.error.test(last.lastError ?? '') || !want.state.test(last.state)) {
      wrong.push(
        `${name}: at the end state "${last.state}", error "${last.lastError ?? '(none)'}" (want ${want.state} and ${want.error}); errors seen: ${errors.map((e) => `"${e.slice(0, 200)}"`).join(', ')}`,
      );
    }
  }
  return wrong;
}

/**
 * No machine's code held the agent's event loop: the watchdog names the machine whose callback ran
 * long once it has seen a stall (`live.loopBlocked`, `eventLoop.lastStall.machine`).
 */
export function assertNoMachineHeldTheLoop(t: TestContext, watch: StatusWatch): void {
  const blocked = watch.last
    .filter((m) => m.live?.loopBlocked)
    .map((m) => `${m.name}: ${JSON.stringify(m.live!.loopBlocked)}`);
  if (blocked.length > 0) t.diagnostic(`machines seen holding the event loop: ${blocked.join('; ')}`);
  const held = watch.last.filter((m) => (m.live?.loopBlocked?.longestMs ?? 0) >= 1000).map((m) => m.name);
  assert.deepEqual(held, [], 'no machine held the event loop for a second or more');
  const stall = watch.eventLoop?.lastStall;
  assert.equal(
    stall?.machine,
    undefined,
    `the event loop stalled in a machine's code: ${JSON.stringify(stall)}`,
  );
}

/** A window of the test: performance time for the probe's gaps, wall time for the cloud's records. */
export interface AttackWindow {
  from: number;
  to: number;
  fromWall: number;
  toWall: number;
}

/**
 * The baseline phase: every machine polled without an error, then the healthy machine's rhythm
 * measured for `ms` while every machine still behaves.
 */
export async function measureBaseline(
  agent: RealAgent,
  names: string[],
  ms: number,
): Promise<{ baseline: { from: number; to: number }; rssBefore: number }> {
  await waitForStatus(agent, allHealthy(names), 60_000, 'every machine healthy');
  const from = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { baseline: { from, to: performance.now() }, rssBefore: agent.maxRss };
}

export function startAttack(): AttackWindow {
  return { from: performance.now(), to: 0, fromWall: Date.now(), toWall: 0 };
}

/**
 * The end of an attack, as both suites judge it: the local API answered throughout, the healthy
 * machine kept its schedule, never failed, kept printing and its captures reached the cloud, no
 * machine held the event loop, the hostile machines really sent tens of MB, and the agent's memory
 * stayed bounded.
 */
export function assertHealthyThroughAttack(
  st: TestContext,
  run: {
    agent: RealAgent;
    watch: StatusWatch;
    healthy: { probe: PollProbe; testLoop: IntervalHistogram };
    emulator: CloudEmulator;
    modeler: string;
    baseline: { from: number; to: number };
    attack: AttackWindow;
    sentBytes: number;
    rssBefore: number;
  },
): void {
  const { agent, watch, attack } = run;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  st.diagnostic(`hostile machines sent ${mb(run.sentBytes)} MB during the attack`);
  st.diagnostic(`agent RSS: ${mb(run.rssBefore)} MB before the attack, at most ${mb(agent.maxRss)} MB`);
  st.diagnostic(`local API status latency under attack: max ${Math.max(...watch.latencies).toFixed(0)} ms`);
  st.diagnostic(`event loop: ${JSON.stringify(watch.eventLoop)}`);
  assert.deepEqual(watch.problems, [], 'the local API answered every status call');
  assertOnTime(st, run.healthy, run.baseline, attack);
  assertNoMachineHeldTheLoop(st, watch);
  const healthyLive = watch.last.find((m) => m.name === HEALTHY)?.live;
  assert.equal(healthyLive?.lastError, undefined, 'the healthy machine never failed');
  assert.equal(healthyLive?.failures, 0);
  assert.equal(healthyLive?.snapshot.state, 'printing');
  assertCapturesFlowed(st, run.emulator, run.modeler, attack);
  assert.ok(
    run.sentBytes > 40 * 1024 * 1024,
    `the hostile machines sent tens of MB (${mb(run.sentBytes)} MB)`,
  );
  assert.ok(
    agent.maxRss < RSS_BOUND,
    `the agent's RSS stayed under ${mb(RSS_BOUND)} MB (max ${mb(agent.maxRss)} MB)`,
  );
}

/** One hostile machine per mode, each closed when the test ends. */
export async function startPerMode<M extends string, T extends { close(): Promise<void> }>(
  t: TestContext,
  modes: readonly M[],
  start: (mode: M) => Promise<T>,
): Promise<Map<string, T>> {
  const machines = new Map<string, T>();
  for (const mode of modes) {
    const machine = await start(mode);
    t.after(() => machine.close());
    machines.set(mode, machine);
  }
  return machines;
}

/** Waits until machine `name` shows an error matching `error` in the local API. */
export function waitForError(
  agent: RealAgent,
  name: string,
  error: RegExp,
  timeoutMs: number,
  what: string,
): Promise<MachineSummary[]> {
  return waitForStatus(
    agent,
    (machines) => error.test(machines.find((m) => m.name === name)?.live?.lastError ?? ''),
    timeoutMs,
    what,
  );
}
