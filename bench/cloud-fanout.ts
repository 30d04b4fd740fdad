// `npm run bench -- cloud-fanout`: N Formlabs Web API accounts × M printers (cloud-to-cloud), each
// machine polled every second by the real agent (in this process, as the HTTP fan-out figure runs
// it), every account listed once per `list_interval` behind the vendor's rate limit. Baseline in
// the same run: the HTTP fan-out (Ultimaker printers, three GETs a machine a second) with N × M
// machines. The ratio is CPU per machine, cloud-to-cloud over HTTP.
import type { ChildProcess } from 'node:child_process';
import { resolveConfig } from '../src/core/config/load.ts';
import type { CloudAccountStats, CloudFleet } from './cloud-fleet-process.ts';
import { agentPoller, measureAgent, WINDOW_MS } from './fanout.ts';
import { BENCH_TOKEN, type Fleet, SCALE, startChild, stopChild, workDir } from './shared.ts';

export interface CloudFanoutFigure {
  accounts: number;
  perAccount: number;
  listIntervalS: number;
  limit: { budget: number; windowS: number };
  /** Echo polling the cloud-to-cloud machines. */
  p99LagMs: number;
  cpuShare: number;
  polls: number;
  /** Per account over the window: list requests per list interval (mean and max of the accounts). */
  listsPerInterval: number;
  maxListsPerInterval: number;
  /** All accounts, over the window: requests sent. */
  requests: number;
  /** All accounts, over the whole run (token and first lists included): requests, 429s, requests sent during a Retry-After pause. */
  runRequests: number;
  throttled: number;
  duringPause: number;
  /** The baseline: the HTTP fan-out with as many machines, same run. */
  httpP99LagMs: number;
  httpCpuShare: number;
  httpPolls: number;
}

const ACCOUNTS = Number(process.env.BENCH_CLOUD_ACCOUNTS ?? 5);
const PER_ACCOUNT = Math.max(
  2,
  Math.round(Number(process.env.BENCH_CLOUD_MACHINES ?? 100) * Math.min(SCALE, 1)),
);
/** The account's printer list is read once a second, as the HTTP machines are polled. */
const LIST_INTERVAL_S = 1;
/** The vendor's limit: 4 requests per 5 s (48 a minute), below one list a second, so that it binds. */
const LIMIT = { budget: 4, windowS: 5 };
/** At least two of the limit's windows, so that a pause never fills the window at a small scale. */
const CLOUD_WINDOW_MS = Math.max(WINDOW_MS, 2 * LIMIT.windowS * 1000);

function stats(child: ChildProcess): Promise<CloudAccountStats[]> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; stats?: CloudAccountStats[] }) => {
      if (message?.type !== 'stats') return;
      child.off('message', onMessage);
      resolve(message.stats ?? []);
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
}

export async function benchCloudFanout(): Promise<CloudFanoutFigure> {
  const total = ACCOUNTS * PER_ACCOUNT;
  // The baseline first: the HTTP fan-out of as many machines.
  const http = await (async () => {
    const { child, first } = await startChild('fleet-process.ts', [String(total)]);
    try {
      return await agentPoller(JSON.parse(first) as Fleet, total);
    } finally {
      await stopChild(child);
    }
  })();
  process.stderr.write(
    `cloud-fanout baseline (HTTP, ${total} machines): p99 ${http.p99LagMs.toFixed(1)} ms, ${(http.cpuShare * 100).toFixed(1)} % of a core\n`,
  );
  return {
    ...(await cloudPoller()),
    httpP99LagMs: http.p99LagMs,
    httpCpuShare: http.cpuShare,
    httpPolls: http.polls,
  };
}

/** The cloud-to-cloud half: the accounts' fleet in its own process, the real agent in this one. */
export async function cloudPoller(): Promise<
  Omit<CloudFanoutFigure, 'httpP99LagMs' | 'httpCpuShare' | 'httpPolls'>
> {
  const total = ACCOUNTS * PER_ACCOUNT;
  const { child, first } = await startChild('cloud-fleet-process.ts', [
    String(ACCOUNTS),
    String(PER_ACCOUNT),
    String(LIMIT.budget),
    String(LIMIT.windowS),
  ]);
  try {
    const fleet = JSON.parse(first) as CloudFleet;
    process.env.ECHO_BENCH_FORMLABS_SECRET = fleet.accounts[0]!.clientSecret;
    const config = resolveConfig(
      {
        workstation_name: 'bench-cloud-fanout',
        data_dir: workDir(`cloud-fanout-${total}`),
        cloud: { url: fleet.url, api_token: BENCH_TOKEN },
        log: { level: 'error', cloud_level: 'fatal' },
        machines: fleet.accounts.flatMap((a) =>
          a.machines.map((m) => ({
            name: m.name,
            collector: 'formlabs',
            connection: {
              account: a.account,
              serial: m.serial,
              api_url: a.apiUrl,
              list_interval: LIST_INTERVAL_S,
              request_timeout: 5,
            },
            credentials: { username: a.clientId, password_ref: 'env:ECHO_BENCH_FORMLABS_SECRET' },
            modeler: m.modeler,
            poll_interval: 1,
            timeout: 5,
          })),
        ),
      },
      process.env,
    );
    let before: CloudAccountStats[] = [];
    let after: CloudAccountStats[] = [];
    let began = 0;
    let ended = 0;
    const echo = await measureAgent(
      config,
      {
        start: async () => {
          before = await stats(child);
          began = performance.now();
        },
        end: async () => {
          after = await stats(child);
          ended = performance.now();
        },
      },
      CLOUD_WINDOW_MS,
    );
    const intervals = (ended - began) / 1000 / LIST_INTERVAL_S;
    const perAccount = after.map((a, i) => (a.lists - (before[i]?.lists ?? 0)) / intervals);
    const sum = (f: (s: CloudAccountStats) => number) =>
      after.reduce((n, a, i) => n + f(a) - (before[i] ? f(before[i]) : 0), 0);
    // Over the whole run (token and first lists included): no request during a pause, ever.
    const run = (f: (s: CloudAccountStats) => number) => after.reduce((n, a) => n + f(a), 0);
    const figure = {
      accounts: ACCOUNTS,
      perAccount: PER_ACCOUNT,
      listIntervalS: LIST_INTERVAL_S,
      limit: LIMIT,
      p99LagMs: echo.p99LagMs,
      cpuShare: echo.cpuShare,
      polls: echo.polls,
      listsPerInterval: perAccount.reduce((a, b) => a + b, 0) / Math.max(perAccount.length, 1),
      maxListsPerInterval: Math.max(...perAccount),
      requests: sum((s) => s.requests),
      runRequests: run((s) => s.requests),
      throttled: run((s) => s.throttled),
      duringPause: run((s) => s.duringPause),
    };
    process.stderr.write(
      `cloud-fanout ${ACCOUNTS} × ${PER_ACCOUNT}: p99 ${echo.p99LagMs.toFixed(1)} ms, ${(echo.cpuShare * 100).toFixed(1)} % of a core; lists/interval/account ${perAccount.map((x) => x.toFixed(2)).join(', ')}; over the run: ${after.map((a) => `${a.account} ${a.requests} requests (${a.tokens} token), ${a.throttled} × 429, ${a.duringPause} in a pause`).join('; ')}\n`,
    );
    return figure;
  } finally {
    await stopChild(child);
  }
}
