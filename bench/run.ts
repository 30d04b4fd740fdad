// npm run bench: speed and memory figures, each as a ratio against a baseline measured in this run.
// BENCH_SCALE=0.05 npm run bench for a quick look. Copy the printed table into docs/performance.md.
import { cpus, totalmem } from 'node:os';
import { benchChangingFleet } from './changing-fleet.ts';
import { benchCloudFanout } from './cloud-fanout.ts';
import { benchCommands } from './commands.ts';
import { benchDrain } from './drain.ts';
import { benchFanout } from './fanout.ts';
import { benchFlood } from './flood.ts';
import { benchIngest } from './ingest.ts';
import { benchLogOutage } from './log-outage.ts';
import { benchReady } from './ready.ts';
import { fmt, SCALE } from './shared.ts';
import { benchSse } from './sse.ts';
import { benchUi } from './ui.ts';

const mb = (b: number) => b / 1024 / 1024;
console.log(
  `Echo benchmarks: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(mb(totalmem()) / 1024, 0)} GB, scale ${SCALE}`,
);

// `npm run bench -- drain` runs one figure; the others print as "skipped".
const only = new Set(process.argv.slice(2));
const want = (name: string) => only.size === 0 || only.has(name);
const ingest = want('ingest')
  ? await benchIngest()
  : { count: 0, raw: Number.NaN, ours: Number.NaN, ratio: Number.NaN };
const drain = want('drain')
  ? await benchDrain()
  : {
      count: 0,
      fillSeconds: 0,
      raw: Number.NaN,
      rate: Number.NaN,
      received: 0,
      backlog: 0,
      seconds: 0,
      idleRss: Number.NaN,
      peakRss: Number.NaN,
    };
const ready = want('ready')
  ? await benchReady()
  : { rows: 0, size: 0, raw: Number.NaN, seconds: Number.NaN, status: 0, quarantined: 0 };

const fanout = want('fanout') ? await benchFanout() : [];
const cloudFanout = want('cloud-fanout') ? await benchCloudFanout() : undefined;
const ui = want('ui') ? await benchUi() : undefined;
const flood = want('flood') ? await benchFlood() : undefined;
const changing = want('changing') ? await benchChangingFleet() : [];
const logOutage = want('log-outage') ? benchLogOutage() : undefined;
const commands = want('commands') ? await benchCommands() : undefined;
const sse = want('sse') ? benchSse() : undefined;

const rows: string[][] = [];
if (want('ingest'))
  rows.push([
    'durable ingest',
    `${fmt(ingest.ours)} records/s`,
    `raw better-sqlite3 batched inserts ${fmt(ingest.raw)} records/s`,
    `${fmt(ingest.ratio, 2)}×`,
    '≥ 0.5×',
  ]);
if (want('drain'))
  rows.push(
    [
      'drain to the emulator (logs)',
      `${fmt(drain.rate)} records/s (${fmt(drain.backlog)} in ${fmt(drain.seconds, 1)} s)`,
      `POSTing the same batches from memory ${fmt(drain.raw)} records/s`,
      `${fmt(drain.rate / drain.raw, 2)}×`,
      '≥ 30,000 records/s',
    ],
    [
      'peak RSS while draining',
      `${fmt(mb(drain.peakRss), 1)} MB`,
      `idle after start ${fmt(mb(drain.idleRss), 1)} MB`,
      `${fmt(drain.peakRss / drain.idleRss, 2)}×`,
      '≤ 120 MB',
    ],
  );
if (want('ready'))
  rows.push([
    'start to ready',
    `${fmt(ready.seconds, 2)} s with ${fmt(mb(ready.size))} MB (${fmt(ready.rows)} captures)`,
    `raw open + one indexed query ${fmt(ready.raw, 3)} s`,
    `${fmt(ready.seconds / Math.max(ready.raw, 0.001), 1)}×`,
    '≤ 2 s at 1 GB',
  ]);
for (const f of fanout) {
  rows.push([
    `fan-out: ${f.machines} HTTP machines polled every 1 s`,
    `p99 poll lag ${fmt(f.p99LagMs, 1)} ms, ${fmt(f.cpuShare * 100, 1)} % of one core (${fmt(f.polls)} polls)`,
    `bare timers + fetch: p99 lag ${fmt(f.rawP99LagMs, 1)} ms, ${fmt(f.rawCpuShare * 100, 1)} % of one core`,
    `${fmt(f.cpuShare / f.rawCpuShare, 2)}× CPU`,
    f.machines === 500 ? 'p99 ≤ 100 ms, ≤ 50 % of a core' : '',
  ]);
}
if (cloudFanout) {
  const c = cloudFanout;
  const machines = c.accounts * c.perAccount;
  rows.push([
    `cloud-to-cloud fan-out: ${c.accounts} Formlabs accounts × ${c.perAccount} printers polled every 1 s, each account listed every ${c.listIntervalS} s behind a limit of ${c.limit.budget} requests per ${c.limit.windowS} s (429 + Retry-After)`,
    `p99 poll lag ${fmt(c.p99LagMs, 1)} ms, ${fmt(c.cpuShare * 100, 1)} % of one core (${fmt(c.polls)} polls); ${fmt(c.listsPerInterval, 2)} list requests per interval per account (max ${fmt(c.maxListsPerInterval, 2)}, ${fmt(c.requests)} requests in the window); over the run ${fmt(c.runRequests)} requests, ${fmt(c.throttled)} answered 429, ${fmt(c.duringPause)} sent during a Retry-After pause`,
    `HTTP fan-out, ${fmt(machines)} Ultimakers polled every 1 s: p99 lag ${fmt(c.httpP99LagMs, 1)} ms, ${fmt(c.httpCpuShare * 100, 1)} % of one core (${fmt(c.httpPolls)} polls)`,
    `${fmt(c.cpuShare / c.httpCpuShare, 2)}× CPU per machine`,
    '≤ 1× CPU per machine; ≈ 1 list per interval per account, not per machine (≤ 1.5); 0 requests during a pause',
  ]);
  if (c.duringPause > 0 || c.maxListsPerInterval > 1.5) process.exitCode = 1;
}
if (flood) {
  rows.push([
    `one machine floods beside ${flood.machines} healthy ones (HTTP bodies past the cap, MQTT at the socket's rate, a log at 10 MB/s)`,
    `p99 poll lag ${fmt(flood.floodP99LagMs, 1)} ms (${fmt(flood.floodPolls)} polls); flooders: ${flood.floodStates.join('; ')}`,
    `the same ${flood.machines} machines without the flood: p99 ${fmt(flood.quietP99LagMs, 1)} ms (${fmt(flood.quietPolls)} polls)`,
    `${fmt(flood.floodP99LagMs / Math.max(flood.quietP99LagMs, 1), 2)}×`,
    '≤ 2×',
  ]);
}
if (ui) {
  rows.push([
    `UI: dashboard with ${ui.machines} live machines`,
    `first full render ${fmt(ui.firstRenderMs)} ms (page ready ${fmt(ui.pageReadyMs)} ms, first status ${fmt(ui.firstStatusMs)} ms, tiles drawn ${fmt(ui.drawnMs)} ms); in ${ui.windowSeconds} s of updates every second: ${ui.longTasks} long tasks (longest ${fmt(ui.longestTaskMs)} ms), ${ui.longFrames} frames over 50 ms (longest ${fmt(ui.longestFrameMs)} ms)`,
    `the same tiles as static HTML: ${fmt(ui.staticRenderMs)} ms`,
    `${fmt(ui.firstRenderMs / ui.staticRenderMs, 1)}×`,
    'first render ≤ 1 s, no long task > 50 ms',
  ]);
}
// The changing fleet: memory against the 1-printer agent of the same run (when it ran).
const seconds = (s: number) => (Number.isFinite(s) ? `${fmt(s, 2)} s` : 'never (> 1 % lost)');
const onePrinter = changing.find((f) => f.machines === 1);
for (const f of changing) {
  const perMachine =
    onePrinter && f.machines > 1 ? (f.rssMedian - onePrinter.rssMedian) / f.machines : Number.NaN;
  const goal =
    f.machines === 500
      ? 'every change in 5 s, p99 ≤ 2 s, ≤ 50 % of a core; ≤ 120 MB'
      : f.machines === 1000
        ? 'every change in 5 s, p99 ≤ 2 s, ≤ 50 % of a core'
        : f.machines === 50
          ? '≤ 80 MB RSS'
          : '';
  rows.push([
    `changing fleet: ${f.machines} Ultimakers polled every ${f.pollIntervalS} s, a new job every 10 s each (${fmt(f.changesPerS, 1)} changes/s)`,
    `${fmt((f.onTime / Math.max(f.changes, 1)) * 100, 1)} % in the cloud within 5 s (${fmt(f.delivered)} of ${fmt(f.changes)} arrived), change→cloud p50 ${seconds(f.p50S)}, p99 ${seconds(f.p99S)}; ${fmt(f.cpuShare * 100, 1)} % of a core; RSS ${fmt(mb(f.rssMedian))} MB median, ${fmt(mb(f.rssPeak))} MB peak`,
    `bare timers + fetch, same GETs: ${fmt(f.rawCpuShare * 100, 1)} % of a core${onePrinter && f !== onePrinter ? `; 1-printer agent ${fmt(mb(onePrinter.rssMedian))} MB` : ''}`,
    `${fmt(f.cpuShare / f.rawCpuShare, 1)}× CPU${Number.isFinite(perMachine) ? `; ${fmt(mb(perMachine), 2)} MB/machine` : ''}`,
    goal,
  ]);
}
if (logOutage) {
  rows.push([
    'log rotation while Echo is down (2 SIGKILLs in bursts, 4 rotations while down: rename and copytruncate)',
    `${fmt(logOutage.lost)} lines lost, ${fmt(logOutage.twice)} sent twice (${fmt(logOutage.seconds, 0)} s)`,
    `${fmt(logOutage.written)} lines written by the machine PC`,
    `${fmt(logOutage.lost / Math.max(logOutage.written, 1), 4)} lost`,
    '0 lost',
  ]);
  if (!logOutage.passed || logOutage.lost !== 0 || logOutage.twice !== 0) process.exitCode = 1;
}
if (commands) {
  rows.push([
    `remote command latency: published in the cloud → at the printer (${fmt(commands.commands)} pause/resume commands on a Bambu printer, one at a time, by the events stream)`,
    `p50 ${fmt(commands.p50Ms, 1)} ms, p99 ${fmt(commands.p99Ms, 1)} ms, max ${fmt(commands.maxMs, 1)} ms; ${fmt(commands.failed)} not complete`,
    `the same command published straight to the printer's MQTT broker: p50 ${fmt(commands.rawP50Ms, 2)} ms, p99 ${fmt(commands.rawP99Ms, 2)} ms`,
    `${fmt(commands.p50Ms / Math.max(commands.rawP50Ms, 0.01), 0)}× p50`,
    'p99 ≤ 250 ms on loopback',
  ]);
  if (commands.failed > 0) process.exitCode = 1;
}
if (sse) {
  rows.push([
    `events-stream parser: ${fmt(sse.lines)} lines ended by a lone CR (and twice as many)`,
    `${fmt(sse.crMs, 1)} ms (${fmt(sse.doubleCrMs, 1)} ms for twice the lines: ${fmt(sse.doubleCrMs / Math.max(sse.crMs, 0.01), 2)}×)`,
    `the same lines ended by LF: ${fmt(sse.lfMs, 1)} ms`,
    `${fmt(sse.crMs / Math.max(sse.lfMs, 0.01), 2)}×`,
    '≤ 3× LF; twice the lines ≤ 3× (linear)',
  ]);
}
console.log('\n| figure | Echo | baseline (same run) | ratio | goal |\n|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
if (want('drain') || want('ready'))
  console.log(
    `\nbacklog written in ${fmt(drain.fillSeconds, 1)} s; the emulator received ${fmt(drain.received)} log entries; /readyz answered ${ready.status}`,
  );
for (const f of changing) {
  const kinds = Object.entries(f.cloudByKind)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${fmt(n, 1)}/s`)
    .join(', ');
  console.log(
    `\nchanging ${f.machines}: printers got ${fmt(f.printerGetsPerS)} GETs/s; the cloud ${fmt(f.cloudRequestsPerS)} requests/s (${kinds}); ${fmt(f.capturesUploadedPerS, 1)} captures uploaded/s; agent: ${fmt(f.polls)} polls, ${fmt(f.capturesStored)} captures stored in the window (${fmt(f.capturesStored / Math.max(f.polls, 1), 3)} per poll), poll lag p99 ${fmt(f.pollLagP99Ms ?? Number.NaN, 1)} ms, backlog after the window ${f.captureBacklogAfter ?? '?'} captures, ${f.logBacklogAfter ?? '?'} log entries; SIGTERM: exit ${f.exitCode} in ${fmt(f.exitSeconds, 1)} s`,
  );
}
if (drain.received !== drain.backlog) {
  console.error(`the emulator received ${drain.received} entries of ${drain.backlog}`);
  process.exitCode = 1;
}
