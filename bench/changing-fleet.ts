// `npm run bench -- changing`: issue 12's changing fleet, measured from outside as a shop runs it.
// N simulated Ultimaker printers (their own process, with the cloud emulator) each start a new job
// every 10 s, phases spread; the shipped bundle (`node --max-semi-space-size=4 dist/echo-agent.mjs
// run --config <file>`) polls them in its own process. Measured per size: the share of job
// changes whose capture reached the cloud within 5 s, change → upload latency, the agent's CPU
// (from /proc/<pid>/stat) and RSS (/proc/<pid>/status every 250 ms). Baselines in the same run:
// bare timers + fetch doing the same GETs (CPU), the 1-printer agent (RSS).
//
// BENCH_FLEET_SIZES=500 (or 50,200) runs some sizes only. BENCH_CPU_PROF=<dir> writes the agent's
// CPU profile there (it is stopped with SIGTERM). BENCH_AGENT_BUNDLE=<file.mjs> measures another
// build; BENCH_AGENT_UNBUNDLED=1 runs the TypeScript sources through tsx (for profiles with file
// names). BENCH_HEAP_SNAPSHOT=<dir> writes a heap snapshot of the agent there at the end of the
// window (SIGUSR2). BENCH_READY_TIMEOUT_S (180) bounds the wait for steady state. BENCH_NODE_FLAGS replaces the agent's node flags, as for the other figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AGENT_NODE_FLAGS } from '../src/core/runtime-flags.ts';
import type { FleetProgress, FleetRequest, FleetWindow } from './changing-fleet-process.ts';
import { BENCH_TOKEN, type Fleet, SCALE, startChild, stopChild, workDir } from './shared.ts';

export interface ChangingFleetFigure {
  machines: number;
  pollIntervalS: number;
  changesPerS: number;
  /** Job changes in the window, those that reached the cloud (before the grace ended), and within 5 s. */
  changes: number;
  delivered: number;
  onTime: number;
  /** Change → capture upload received, seconds; Infinity when more than 1 % (50 %) never arrived. */
  p50S: number;
  p99S: number;
  maxS: number;
  /** The agent process: CPU over the window as a share of one core; RSS over the window, bytes. */
  cpuShare: number;
  rssMedian: number;
  rssPeak: number;
  /** Baseline: bare timers + fetch doing the same three GETs at the same interval, share of one core. */
  rawCpuShare: number;
  /** Requests a second during the window. */
  printerGetsPerS: number;
  cloudRequestsPerS: number;
  cloudByKind: Record<string, number>;
  capturesUploadedPerS: number;
  /** From the agent's own status (local API), over the window. */
  polls: number;
  capturesStored: number;
  pollLagP99Ms: number | undefined;
  captureBacklogAfter: number | undefined;
  logBacklogAfter: number | undefined;
  /** How the agent ended on SIGTERM: exit code and seconds. */
  exitCode: number | null;
  exitSeconds: number;
}

const ROOT = join(import.meta.dirname, '..');
const WARMUP_MS = 10_000 * Math.max(SCALE, 0.25);
const WINDOW_MS = 30_000 * Math.max(SCALE, 0.34);
const RAW_WINDOW_MS = 15_000 * Math.max(SCALE, 0.34);
/** How long after the window a change may still arrive (the wait ends once every change has). */
const GRACE_MS = 30_000;
/** How long the agent may take to get every printer's first capture to the cloud (BENCH_READY_TIMEOUT_S). */
const READY_TIMEOUT_MS = Number(process.env.BENCH_READY_TIMEOUT_S ?? 180) * 1000;
const SIZES: Array<{ machines: number; pollIntervalS: number }> = [
  { machines: 1, pollIntervalS: 1 },
  { machines: 50, pollIntervalS: 1 },
  { machines: 200, pollIntervalS: 1 },
  { machines: 500, pollIntervalS: 1 },
  { machines: 1000, pollIntervalS: 5 },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, seconds (clock ticks of 1/100 s, as on every Linux this runs on). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/** A quantile over every change, the ones that never arrived counting as infinitely late. */
function latencyQuantile(sortedMs: readonly number[], changes: number, q: number): number {
  const index = Math.min(changes - 1, Math.floor(changes * q));
  return index < sortedMs.length ? sortedMs[index]! / 1000 : Number.POSITIVE_INFINITY;
}

function ask<T>(child: ChildProcess, request: FleetRequest): Promise<T> {
  const reply = once(child, 'message') as Promise<[T]>;
  child.send(request);
  return reply.then(([message]) => message);
}

/** The baseline: each printer its own timer doing the collector's three GETs with fetch, no agent. */
async function rawPollerCpu(fleet: Fleet, intervalS: number): Promise<number> {
  const period = intervalS * 1000;
  let stopped = false;
  const timers = fleet.machines.map((m, i) => {
    let due = performance.now() + (i / fleet.machines.length) * period;
    const base = `http://127.0.0.1:${m.port}/api/v1`;
    let timer: NodeJS.Timeout;
    const tick = async () => {
      await Promise.all(
        ['printer', 'print_job', 'history/events?count=50'].map((p) =>
          fetch(`${base}/${p}`).then((r) => r.text()),
        ),
      ).catch(() => undefined);
      due += period;
      if (!stopped) timer = setTimeout(tick, Math.max(0, due - performance.now()));
    };
    timer = setTimeout(tick, Math.max(0, due - performance.now()));
    return () => clearTimeout(timer);
  });
  await sleep(Math.min(WARMUP_MS, 5000));
  const start = process.cpuUsage();
  const began = performance.now();
  await sleep(RAW_WINDOW_MS);
  const used = process.cpuUsage(start);
  const share = (used.user + used.system) / 1000 / (performance.now() - began);
  stopped = true;
  for (const stop of timers) stop();
  await sleep(1500);
  return share;
}

/** The agent's configuration file, as a shop would write it (JSON is YAML). */
function writeConfig(fleet: Fleet, dataDir: string, pollIntervalS: number): string {
  const file = join(dataDir, 'echo.json');
  const config = {
    workstation_name: `bench-changing-${fleet.machines.length}`,
    data_dir: join(dataDir, 'data'),
    cloud: { url: fleet.url, api_token: BENCH_TOKEN },
    log: { level: 'error', cloud_level: 'fatal' },
    machines: fleet.machines.map((m) => ({
      name: m.name,
      collector: 'ultimaker',
      connection: { host: '127.0.0.1', port: m.port },
      modeler: m.modeler,
      poll_interval: pollIntervalS,
      timeout: 5,
    })),
  };
  mkdirSync(config.data_dir, { recursive: true });
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function startAgent(
  configFile: string,
  profileDir: string | undefined,
  heapDir: string | undefined,
): ChildProcess {
  const flags =
    process.env.BENCH_NODE_FLAGS !== undefined
      ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean)
      : [...AGENT_NODE_FLAGS];
  if (profileDir) flags.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  if (heapDir) flags.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapDir}`);
  const entry =
    process.env.BENCH_AGENT_UNBUNDLED === '1'
      ? ['--import', 'tsx', join(ROOT, 'bin', 'echo-agent.js')]
      : [process.env.BENCH_AGENT_BUNDLE ?? join(ROOT, 'dist', 'echo-agent.mjs')];
  return spawn(process.execPath, [...flags, ...entry, 'run', '--config', configFile], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

interface AgentView {
  polls: number;
  capturesStored: number;
  pollLagP99Ms: number | undefined;
  captureBacklog: number;
  logBacklog: number;
}

/** The agent's own figures from its local API (`<data_dir>/api.json` says where and with what token). */
async function agentView(dataDir: string): Promise<AgentView | undefined> {
  const file = join(dataDir, 'data', 'api.json');
  if (!existsSync(file)) return undefined;
  try {
    const { url, token } = JSON.parse(readFileSync(file, 'utf8')) as { url: string; token: string };
    const response = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    const status = (await response.json()) as {
      machines: Array<{ live?: { polls?: number; capturesStored?: number } }>;
      pollLag?: { p99Ms: number };
      backlog: { captures: Record<string, number>; logs: { pending: number } };
    };
    const captures = status.backlog.captures;
    return {
      polls: status.machines.reduce((n, m) => n + (m.live?.polls ?? 0), 0),
      capturesStored: status.machines.reduce((n, m) => n + (m.live?.capturesStored ?? 0), 0),
      pollLagP99Ms: status.pollLag?.p99Ms,
      captureBacklog: (captures.pending ?? 0) + (captures.created ?? 0) + (captures.uploaded ?? 0),
      logBacklog: status.backlog.logs.pending,
    };
  } catch {
    return undefined;
  }
}

async function measureSize(machines: number, pollIntervalS: number): Promise<ChangingFleetFigure> {
  const { child: fleetChild, first } = await startChild('changing-fleet-process.ts', [String(machines)]);
  try {
    const fleet = JSON.parse(first) as Fleet;
    const rawCpuShare = await rawPollerCpu(fleet, pollIntervalS);
    const dir = workDir(`changing-${machines}`);
    const profileDir = process.env.BENCH_CPU_PROF
      ? resolve(process.env.BENCH_CPU_PROF, String(machines))
      : undefined;
    const heapDir = process.env.BENCH_HEAP_SNAPSHOT
      ? resolve(process.env.BENCH_HEAP_SNAPSHOT, String(machines))
      : undefined;
    if (heapDir) mkdirSync(heapDir, { recursive: true });
    const agent = startAgent(writeConfig(fleet, dir, pollIntervalS), profileDir, heapDir);
    const pid = agent.pid!;
    try {
      // Steady state: every printer's first capture in the cloud, then a warm-up.
      const until = performance.now() + READY_TIMEOUT_MS;
      for (;;) {
        if (agent.exitCode !== null) throw new Error(`the agent exited with ${agent.exitCode}`);
        const progress = await ask<FleetProgress>(fleetChild, { type: 'progress' });
        if (progress.machinesUploaded >= machines) break;
        if (performance.now() > until) {
          process.stderr.write(
            `changing ${machines}: only ${progress.machinesUploaded} printers in the cloud after ${READY_TIMEOUT_MS / 1000} s; measuring anyway\n`,
          );
          break;
        }
        await sleep(500);
      }
      await sleep(WARMUP_MS);

      const before = await agentView(dir);
      const rss: number[] = [];
      const sampler = setInterval(() => rss.push(rssBytes(pid)), 250);
      const cpuStart = cpuSeconds(pid);
      const began = performance.now();
      const windowDone = ask<FleetWindow>(fleetChild, {
        type: 'window',
        windowMs: WINDOW_MS,
        graceMs: GRACE_MS,
      });
      await sleep(WINDOW_MS);
      const cpuShare = (cpuSeconds(pid) - cpuStart) / ((performance.now() - began) / 1000);
      clearInterval(sampler);
      const after = await agentView(dir);
      const window = await windowDone;
      if (heapDir) {
        // The snapshot is written synchronously on the agent's thread; wait until it is complete.
        agent.kill('SIGUSR2');
        await sleep(2000);
        for (let size = -1; ; ) {
          const files = readdirSync(heapDir).filter((f) => f.endsWith('.heapsnapshot'));
          const now = files.reduce((n, f) => n + statSync(join(heapDir, f)).size, 0);
          if (files.length > 0 && now === size) break;
          size = now;
          await sleep(1000);
        }
      }

      const stopping = performance.now();
      agent.kill('SIGTERM');
      const exitTimer = setTimeout(() => agent.kill('SIGKILL'), 30_000);
      const [exitCode] = (await once(agent, 'exit')) as [number | null];
      clearTimeout(exitTimer);
      const exitSeconds = (performance.now() - stopping) / 1000;

      const sortedRss = [...rss].sort((a, b) => a - b);
      const figure: ChangingFleetFigure = {
        machines,
        pollIntervalS,
        changesPerS: window.changes / (window.windowMs / 1000),
        changes: window.changes,
        delivered: window.delivered,
        onTime: window.onTime,
        p50S: latencyQuantile(window.latenciesMs, window.changes, 0.5),
        p99S: latencyQuantile(window.latenciesMs, window.changes, 0.99),
        maxS:
          window.delivered < window.changes
            ? Number.POSITIVE_INFINITY
            : (window.latenciesMs.at(-1) ?? 0) / 1000,
        cpuShare,
        rssMedian: quantile(sortedRss, 0.5),
        rssPeak: sortedRss.at(-1) ?? Number.NaN,
        rawCpuShare,
        printerGetsPerS: window.printerGetsPerS,
        cloudRequestsPerS: window.cloudRequestsPerS,
        cloudByKind: window.cloudByKind,
        capturesUploadedPerS: window.capturesUploadedPerS,
        polls: before && after ? after.polls - before.polls : Number.NaN,
        capturesStored: before && after ? after.capturesStored - before.capturesStored : Number.NaN,
        pollLagP99Ms: after?.pollLagP99Ms,
        captureBacklogAfter: after?.captureBacklog,
        logBacklogAfter: after?.logBacklog,
        exitCode,
        exitSeconds,
      };
      process.stderr.write(
        `changing ${machines} (poll ${pollIntervalS} s): ${figure.onTime}/${figure.changes} in 5 s, ${figure.delivered} delivered, p50 ${figure.p50S.toFixed(2)} s, p99 ${figure.p99S.toFixed(2)} s; ${(cpuShare * 100).toFixed(1)} % of a core (raw ${(rawCpuShare * 100).toFixed(1)} %); RSS ${(figure.rssMedian / 2 ** 20).toFixed(0)} MB median, ${(figure.rssPeak / 2 ** 20).toFixed(0)} peak\n`,
      );
      if (process.env.BENCH_VERBOSE) process.stderr.write(`${JSON.stringify(figure, null, 1)}\n`);
      return figure;
    } finally {
      if (agent.exitCode === null && agent.signalCode === null) {
        agent.kill('SIGKILL');
        await once(agent, 'exit');
      }
    }
  } finally {
    await stopChild(fleetChild);
  }
}

export async function benchChangingFleet(): Promise<ChangingFleetFigure[]> {
  const only = process.env.BENCH_FLEET_SIZES?.split(',').map(Number);
  const figures: ChangingFleetFigure[] = [];
  for (const size of SIZES) {
    if (only && !only.includes(size.machines)) continue;
    figures.push(await measureSize(size.machines, size.pollIntervalS));
  }
  return figures;
}
