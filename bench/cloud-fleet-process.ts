// N Formlabs Web API accounts of M printers each (one FormlabsSimulator per account) and the cloud
// emulator, in their own process, so that the agent under test has the bench process to itself.
// Each account sits behind a rate limiter (the vendor's limit, as the agent sees it): a budget of
// requests per fixed window, then 429 with Retry-After until the window ends. The limiter counts,
// per account, the requests, the list requests, the 429s and the requests that arrived during a
// Retry-After pause it announced. `{ type: 'stats' }` over IPC answers those counters.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { startCloudEmulator } from '../src/cloud-emulator/server.ts';
import { FormlabsSimulator } from '../src/collectors/formlabs/simulator/formlabs-simulator.ts';
import { LoopbackHttpServer } from '../src/collectors/sdk/simulator/loopback-http-server.ts';
import { BENCH_TOKEN } from './shared.ts';

export interface CloudAccountStats {
  account: string;
  requests: number;
  lists: number;
  tokens: number;
  throttled: number;
  duringPause: number;
}

export interface CloudFleet {
  url: string;
  /** The limit every account enforces: `budget` requests per `windowS` seconds. */
  limit: { budget: number; windowS: number };
  accounts: Array<{
    account: string;
    apiUrl: string;
    clientId: string;
    clientSecret: string;
    machines: Array<{ name: string; serial: string; modeler: string }>;
  }>;
}

const accounts = Number(process.argv[2] ?? 5);
const perAccount = Number(process.argv[3] ?? 100);
const budget = Number(process.argv[4] ?? 4);
const windowS = Number(process.argv[5] ?? 5);

const emulator = await startCloudEmulator({ seedToken: BENCH_TOKEN });
const stats: CloudAccountStats[] = [];
const fleet: CloudFleet = { url: emulator.url, limit: { budget, windowS }, accounts: [] };
const pool = new http.Agent({ keepAlive: true, maxSockets: 8 });

for (let a = 0; a < accounts; a++) {
  const account = `shop-${a + 1}`;
  const serials = Array.from(
    { length: perAccount },
    (_, i) => `Form4-A${a + 1}P${String(i).padStart(3, '0')}`,
  );
  // A third of the fleet is printing, as in the HTTP fan-out fleet: 10 h jobs of 100 layers, so a
  // new capture at each layer (6 min), as the Ultimakers' whole-percent progress of their 10 h
  // jobs; the documents themselves (elapsed, remaining, last ping) change at every list.
  const sim = await FormlabsSimulator.start({ serials, layerMs: 360_000 });
  serials.forEach((serial, i) => {
    if (i % 3 === 0) sim.startJob(serial, `job-${a}-${i}`, 100);
  });
  const counters: CloudAccountStats = {
    account,
    requests: 0,
    lists: 0,
    tokens: 0,
    throttled: 0,
    duringPause: 0,
  };
  stats.push(counters);
  let windowStart = Date.now();
  let used = 0;
  let pausedUntil = 0;
  const limiter = await LoopbackHttpServer.start(async (req: IncomingMessage, res: ServerResponse) => {
    const now = Date.now();
    const path = new URL(req.url ?? '/', 'http://limiter').pathname;
    counters.requests++;
    if (req.method === 'GET' && path.endsWith('/printers/')) counters.lists++;
    if (req.method === 'POST' && path.endsWith('/o/token/')) counters.tokens++;
    if (now < pausedUntil) counters.duringPause++;
    const windowMs = windowS * 1000;
    if (now - windowStart >= windowMs) {
      windowStart += Math.floor((now - windowStart) / windowMs) * windowMs;
      used = 0;
    }
    if (used >= budget) {
      const retryAfter = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
      pausedUntil = Math.max(pausedUntil, now + retryAfter * 1000);
      counters.throttled++;
      for await (const _ of req) {
        // drain the request body
      }
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfter) });
      res.end(JSON.stringify({ detail: 'Request was throttled.' }));
      return;
    }
    used++;
    await new Promise<void>((resolve, reject) => {
      const upstream = http.request(
        {
          host: sim.cloud.host,
          port: sim.cloud.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent: pool,
        },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
          reply.on('end', resolve);
          reply.on('error', reject);
        },
      );
      upstream.on('error', reject);
      req.pipe(upstream);
    });
  });
  fleet.accounts.push({
    account,
    apiUrl: `http://${limiter.host}:${limiter.port}/developer/v1`,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    machines: serials.map((serial, i) => {
      const name = `form-${a + 1}-${String(i).padStart(3, '0')}`;
      return { name, serial, modeler: emulator.state.addModeler({ name }).uri };
    }),
  });
}

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stats') process.send?.({ type: 'stats', stats });
});
process.stdout.write(`${JSON.stringify(fleet)}\n`);
