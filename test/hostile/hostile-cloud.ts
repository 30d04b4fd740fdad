/**
 * A hostile cloud for the command path: a real HTTP proxy in front of the (well-behaved) cloud
 * emulator that answers selected requests itself. Every URI the emulator hands out names the
 * proxy, so the agent talks to the proxy only; a rule decides, per request, whether the emulator
 * answers or the attack does. A second server, on another origin, records who reaches it and with
 * which headers (the credential must never go there).
 */

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type CloudEmulator, startCloudEmulator } from '../../src/cloud-emulator/server.ts';
import { allCollectors } from '../../src/collectors/all.ts';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { Agent } from '../../src/core/agent.ts';
import { scaledClock } from '../../src/core/clock.ts';
import { EVERY_COMMAND } from '../helpers/commands.ts';
import { SEED_TOKEN, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

/** One request as a server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  cookie: string | undefined;
}

/** Answers a request instead of the emulator; `true` from `match` takes it. */
export interface Rule {
  match(req: IncomingMessage, path: string): boolean;
  answer(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
  /** Taken this many times, then removed (default: for ever). */
  times?: number;
}

/** A small HTTP server that tracks its sockets, so `close` never waits for a hanging reply. */
export class TrackedServer {
  readonly seen: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();

  /** How the server answers; a test may swap it. */
  respond: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    respond: TrackedServer['respond'],
  ) {
    this.respond = respond;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>) {
    let self: TrackedServer | undefined;
    const server = createServer((req, res) => {
      if (!self) return void res.destroy();
      self.seen.push(seenOf(req));
      Promise.resolve(self.respond(req, res)).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new TrackedServer(server, `http://127.0.0.1:${port}`, handle);
    return self;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function seenOf(req: IncomingMessage): SeenRequest {
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    authorization: req.headers.authorization,
    cookie: req.headers.cookie,
  };
}

/** The emulator behind a proxy whose rules can answer anything in its place. */
export class HostileCloud {
  private rules: Rule[] = [];

  private constructor(
    readonly emulator: CloudEmulator,
    private readonly proxy: TrackedServer,
  ) {}

  /** The cloud's URL as the agent knows it (the proxy). */
  get url(): string {
    return this.proxy.url;
  }

  /** Every request the agent sent, in order. */
  get seen(): readonly SeenRequest[] {
    return this.proxy.seen;
  }

  static async start(): Promise<HostileCloud> {
    const emulator = await startCloudEmulator({ seedToken: SEED_TOKEN });
    const target = new URL(emulator.url);
    let cloud: HostileCloud | undefined;
    const proxy = await TrackedServer.start(async (req, res) => {
      const path = req.url ?? '/';
      const rule = cloud?.rules.find((r) => r.match(req, path));
      if (rule) {
        if (rule.times !== undefined && --rule.times <= 0) cloud!.rules.splice(cloud!.rules.indexOf(rule), 1);
        return rule.answer(req, res);
      }
      forward(req, res, target);
    });
    // Every `uri` the emulator builds from now on names the proxy.
    emulator.state.setBase(proxy.url);
    cloud = new HostileCloud(emulator, proxy);
    return cloud;
  }

  /** Adds a rule ahead of the others; returns a function that removes it. */
  intercept(rule: Rule): () => void {
    this.rules.unshift(rule);
    return () => {
      this.rules = this.rules.filter((r) => r !== rule);
    };
  }

  async close(): Promise<void> {
    await this.proxy.close();
    await this.emulator.close();
  }
}

/** Passes one request to the emulator and its answer back, streaming both ways. */
function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

/**
 * The emulator hears the request (its state moves on as the agent asked), then `answer` replaces
 * its reply, given the emulator's status and body: a lie about something that did happen.
 */
export function afterEmulator(
  cloud: HostileCloud,
  answer: (res: ServerResponse, upstream: { status: number; body: string }) => void,
): Rule['answer'] {
  return (req, res) =>
    new Promise<void>((resolve) => {
      const target = new URL(cloud.emulator.url);
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (reply) => {
          const chunks: Buffer[] = [];
          reply.on('data', (c: Buffer) => chunks.push(c));
          reply.on('end', () => {
            answer(res, { status: reply.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
            resolve();
          });
        },
      );
      upstream.on('error', () => {
        res.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
}

/** Matches `method` and a path that starts with `prefix`. */
export function route(method: string, prefix: string): Rule['match'] {
  return (req, path) => req.method === method && path.startsWith(prefix);
}

/** The poll's page of `resources` (whatever they are), as the cloud answers it. */
export function pollAnswer(resources: () => unknown[]): Rule {
  return {
    match: route('GET', '/modeler-command/?'),
    answer(_req, res) {
      const items = resources();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ resources: items, total_count: items.length }));
    },
  };
}

/** A raw body (any bytes, any text) with `status`. */
export function rawAnswer(status: number, body: string | Buffer, headers: Record<string, string> = {}) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };
}

/** Writes `chunk` again and again until the client goes away (an endless reply). */
export function endless(status: number, chunk: string, contentType = 'application/json') {
  return (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': contentType });
    let open = true;
    req.socket.on('close', () => {
      open = false;
    });
    const pump = () => {
      while (open && res.write(chunk)) {
        // Written into the socket's buffer; the 'drain' event resumes the pump.
      }
      if (open) res.once('drain', pump);
    };
    pump();
  };
}

/**
 * A real agent against the hostile cloud with two Ultimaker printers: `target` takes every command
 * type unattended, `bystander` takes none and shows that collection goes on. Everything stops
 * when the test ends, the agent first.
 */
export async function startRig(t: TestContext, limits: { maxFileMb?: number; scanWaitS?: number } = {}) {
  const cloud = await HostileCloud.start();
  const foreign = await TrackedServer.start((_req, res) => {
    res.writeHead(204);
    res.end();
  });
  const target = await UltimakerSimulator.start({ speed: 10, autoApproveMs: 100, name: 'target' });
  const bystander = await UltimakerSimulator.start({ speed: 10, autoApproveMs: 100, name: 'bystander' });
  const modelers = {
    target: cloud.emulator.state.addModeler({ name: 'target' }).uri,
    bystander: cloud.emulator.state.addModeler({ name: 'bystander' }).uri,
  };
  const dataDir = join(tempDir(t), 'data');
  const base = testConfig(dataDir, cloud.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 1 },
    commands: { scan_wait: limits.scanWaitS ?? 1, max_file_mb: limits.maxFileMb ?? 2048 },
  });
  const sims = { target, bystander };
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: {
        host: sims[m.name as keyof typeof sims].host,
        port: sims[m.name as keyof typeof sims].port,
      },
      poll_interval: 0.2,
      // Generous: the flood test keeps the event loop busy on purpose, and a loaded CI runs beside it.
      timeout: 10,
      commands:
        m.name === 'target'
          ? { ...m.commands, allow: [...EVERY_COMMAND], confirm_start_job: false }
          : m.commands,
    })),
  };
  const agent = await Agent.start({ config, clock: scaledClock(1), collectors: allCollectors() });
  t.after(async () => {
    await agent.stop();
    await cloud.close();
    await foreign.close();
    await target.close();
    await bystander.close();
  });
  const state = (name: string) => agent.machines().find((m) => m.name === name)?.live?.snapshot.state;
  await waitFor(
    () => state('target') === 'idle' && state('bystander') === 'idle',
    20_000,
    'both printers idle',
  );
  return { cloud, foreign, target, bystander, modelers, agent, dataDir };
}

export type Rig = Awaited<ReturnType<typeof startRig>>;

/** The agent's own log (`<data_dir>/logs/echo.log`), one parsed line each. */
export function agentLog(rig: Pick<Rig, 'dataDir'>): Array<Record<string, unknown>> {
  let text = '';
  try {
    text = readFileSync(join(rig.dataDir, 'logs', 'echo.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The agent is still whole: its local API answers, and the bystander printer is still being read
 * (its request count grows).
 */
export async function stillUp(rig: Rig): Promise<void> {
  const before = rig.bystander.requests;
  await waitFor(() => rig.bystander.requests > before + 2, 15_000, 'the bystander polled again');
  const api = rig.agent.api;
  if (!api) throw new Error('the agent has no local API');
  const reply = await fetch(`${api.url}/api/v1/status`, {
    headers: { authorization: `Bearer ${api.token}` },
  });
  if (reply.status !== 200) throw new Error(`the local API answered ${reply.status}`);
}
