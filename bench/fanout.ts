import { cpus } from 'node:os';
import { allCollectors } from '../src/collectors/all.ts';
import { Agent } from '../src/core/agent.ts';
import { type Fleet, fleetConfig, SCALE, startChild, stopChild, workDir } from './shared.ts';

export interface FanoutFigure {
  machines: number;
  /** Echo: p99 of how late polls started, ms; share of one core. */
  p99LagMs: number;
  cpuShare: number;
  polls: number;
  /** Baseline: the same requests from a bare timer loop with fetch, same run. */
  rawP99LagMs: number;
  rawCpuShare: number;
}

const WARMUP_MS = 4000 * Math.max(SCALE, 0.25);
export const WINDOW_MS = 15_000 * Math.max(SCALE, 0.25);

/** CPU time of this process over `ms`, as a share of one core. */
async function cpuShareOver(ms: number): Promise<number> {
  const start = process.cpuUsage();
  const began = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / (performance.now() - began);
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

/**
 * The baseline: what polling the same printers costs with no agent around it, each printer its own
 * one-second timer doing the collector's three GETs. Lag is measured the same way: how late each
 * timer fires against its schedule.
 */
async function rawPoller(fleet: Fleet): Promise<{ p99LagMs: number; cpuShare: number }> {
  const lags: number[] = [];
  let measuring = false;
  const timers = fleet.machines.map((m, i) => {
    let due = performance.now() + (i / fleet.machines.length) * 1000;
    const tick = async () => {
      if (measuring) lags.push(Math.max(0, performance.now() - due));
      const base = `http://127.0.0.1:${m.port}/api/v1`;
      await Promise.all(
        ['printer', 'print_job', 'history/events?count=50'].map((p) =>
          fetch(`${base}/${p}`).then((r) => r.text()),
        ),
      ).catch(() => undefined);
      due += 1000;
      timer = setTimeout(tick, Math.max(0, due - performance.now()));
    };
    let timer = setTimeout(tick, Math.max(0, due - performance.now()));
    return () => clearTimeout(timer);
  });
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  measuring = true;
  const cpuShare = await cpuShareOver(WINDOW_MS);
  measuring = false;
  for (const stop of timers) stop();
  await new Promise((r) => setTimeout(r, 1500));
  return { p99LagMs: p99(lags), cpuShare };
}

export function agentPoller(
  fleet: Fleet,
  n: number,
): Promise<{ p99LagMs: number; cpuShare: number; polls: number }> {
  return measureAgent(fleetConfig(fleet, 'bench-fanout', workDir(`fanout-${n}`)));
}

/**
 * The real agent, in this process, polling the machines of `config`: steady state first, then the
 * p99 poll lag and this process's CPU over the window. `during` runs beside the window (counters
 * read from the fleet's process at its start and end).
 */
export async function measureAgent(
  config: ReturnType<typeof fleetConfig>,
  during?: { start(): Promise<void>; end(): Promise<void> },
  windowMs = WINDOW_MS,
): Promise<{ p99LagMs: number; cpuShare: number; polls: number; windowMs: number }> {
  const agent = await Agent.start({ config, collectors: allCollectors(), api: false });
  try {
    // Steady state first: every machine connected and polled, the first captures and status
    // reports (one per machine at start) sent.
    const until = Date.now() + 120_000;
    while (
      Date.now() < until &&
      (agent.store.stats.captureBacklog() > 0 || agent.machines().some((m) => (m.live?.polls ?? 0) < 3))
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    agent.pollLag()!.reset();
    await during?.start();
    const cpuShare = await cpuShareOver(windowMs);
    await during?.end();
    const summary = agent.pollLag()!.summary();
    return { p99LagMs: summary.p99Ms, cpuShare, polls: summary.count, windowMs };
  } finally {
    await agent.stop();
  }
}

export async function benchFanout(): Promise<FanoutFigure[]> {
  const figures: FanoutFigure[] = [];
  for (const n of [50, 200, 500]) {
    const { child, first } = await startChild('fleet-process.ts', [String(n)]);
    try {
      const fleet = JSON.parse(first) as Fleet;
      const raw = await rawPoller(fleet);
      const echo = await agentPoller(fleet, n);
      figures.push({
        machines: n,
        p99LagMs: echo.p99LagMs,
        cpuShare: echo.cpuShare,
        polls: echo.polls,
        rawP99LagMs: raw.p99LagMs,
        rawCpuShare: raw.cpuShare,
      });
      process.stderr.write(
        `fan-out ${n}: p99 ${echo.p99LagMs.toFixed(1)} ms, ${(echo.cpuShare * 100).toFixed(1)} % of a core (${cpus().length} cores)\n`,
      );
    } finally {
      await stopChild(child);
    }
  }
  return figures;
}
