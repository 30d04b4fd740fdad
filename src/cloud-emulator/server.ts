import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { HttpReply, readJson, sendError, sendJson } from './http-helpers.ts';
import type { Route, RouteContext } from './route-context.ts';
import { addiguruRoutes } from './routes-addiguru.ts';
import { commandRoutes, publishCommand, streamsFor } from './routes-commands.ts';
import { dataRoutes } from './routes-data.ts';
import { fileRoutes } from './routes-files.ts';
import { identityRoutes } from './routes-identity.ts';
import { installerRoutes } from './routes-installer.ts';
import { presetRoutes } from './routes-presets.ts';
import { commandCreate, type FaultPlan, faultPlan, jobFileChange, jobFileSeed } from './schemas.ts';
import { type CommandRecord, EmulatorState, type JobFileInput, type JobFileRecord } from './state.ts';

export interface EmulatorOptions {
  port?: number;
  host?: string;
  faults?: Partial<FaultPlan>;
  users?: ReadonlyArray<{ username: string; password: string }>;
  /** A token that exists from the start (the demo's and the tests' headless credential). */
  seedToken?: { uuid: string; secret: string };
  /** Seed for the fault dice, so that a failing run can be replayed. */
  seed?: number;
  /**
   * False: a cloud without the `workstation_name` extension, as a REST framework treats a field
   * and a filter it does not know: `POST /ecco/` accepts the field and drops it, `GET /ecco/`
   * ignores `filter[workstation_name]`. Default true (kept, listed, filterable).
   */
  keepsWorkstationName?: boolean;
  /**
   * How long a `content` link of a `/build-file/` or `/machine-job-file/` stays valid after the GET
   * that handed it out (default 5 minutes, as the seed says; tests use a few milliseconds).
   */
  jobFileLinkTtlMs?: number;
  /**
   * A `POST /capture/` with an `echo_capture_id` the emulator already has: `accept` (default) answers
   * `201` with the first capture's `Location`, `conflict` answers `409` with the contract's error body.
   */
  duplicateCaptures?: 'accept' | 'conflict';
  /**
   * True: `POST /capture/` answers 201 without `X-Upload-Location` (as a cloud may leave it out),
   * so the agent must read the upload URL from the capture's `content_upload`. Default false.
   */
  omitUploadLocation?: boolean;
  /**
   * Serve HTTPS with this key and certificate (PEM): `url` is then `https://127.0.0.1:PORT/`, and
   * every URI the emulator hands out (events stream, upload and download links) is https too.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface EmulatorConnection {
  port: number;
  firstRequest?: string;
}

export interface CloudEmulator {
  readonly url: string;
  readonly port: number;
  readonly state: EmulatorState;
  /**
   * Every connection accepted, in order: its remote port and the first request it carried (tests:
   * who reached the emulator, and for what; a stream's connection is listed while it is open).
   */
  readonly connections: readonly EmulatorConnection[];
  faults: FaultPlan;
  setFaults(plan: Partial<FaultPlan>): Promise<void>;
  /**
   * Creates a `new` command as the MES does, and pushes it on the open events streams unless
   * `push` is false (then only the poll finds it).
   */
  sendCommand(
    fields: Record<string, unknown> & { type: string; modeler: string },
    options?: { push?: boolean },
  ): CommandRecord;
  /** Adds a `/build-file/` (default `status: complete`, `virus_scan: passed`); see EmulatorState. */
  addBuildFile(input: JobFileInput): JobFileRecord;
  /** Adds a `/machine-job-file/` (an operator's test file: no scan state, always served). */
  addMachineJobFile(input: JobFileInput): JobFileRecord;
  close(): Promise<void>;
}

const ROUTES: Route[] = [
  ...identityRoutes,
  ...dataRoutes,
  ...commandRoutes,
  ...fileRoutes,
  ...presetRoutes,
  ...installerRoutes,
  ...addiguruRoutes,
];

/**
 * Starts the cloud emulator: a real HTTP server that speaks the contract strictly, stores what it
 * receives in memory, injects faults on demand and reports what it stored. Tests, the demo and
 * people trying Echo without an account use it; the agent's runtime never imports it.
 */
export async function startCloudEmulator(options: EmulatorOptions = {}): Promise<CloudEmulator> {
  const state = new EmulatorState(options.users ?? [{ username: 'operator', password: 'echo-demo' }]);
  if (options.seedToken) state.issueToken([...state.users.values()][0]!, 'seed token', options.seedToken);
  if (options.keepsWorkstationName === false) state.keepsWorkstationName = false;
  if (options.jobFileLinkTtlMs !== undefined) state.jobFileLinkTtlMs = options.jobFileLinkTtlMs;
  if (options.duplicateCaptures) state.duplicateCaptures = options.duplicateCaptures;
  if (options.omitUploadLocation) state.omitUploadLocation = true;
  const random = mulberry32(options.seed ?? 1);
  const sockets = new Set<Socket>();
  let faults = faultPlan.parse(options.faults ?? {});
  const host = options.host ?? '127.0.0.1';

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendError(res, error instanceof HttpReply ? error : new HttpReply(500, 'internal', String(error)));
      } else res.destroy();
    });
  };
  const connections: EmulatorConnection[] = [];
  // By remote port: under TLS a request's socket is the TLS wrapper, not the accepted one.
  const connectionOf = new Map<number, EmulatorConnection>();
  const server: Server = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createServer(onRequest);
  // Plain TCP connections (under TLS too), so that `down` and `close` can cut them.
  server.on('connection', (socket) => {
    const connection: EmulatorConnection = { port: socket.remotePort ?? 0 };
    connections.push(connection);
    connectionOf.set(connection.port, connection);
    socket.on('close', () => connectionOf.delete(connection.port));
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const connection = connectionOf.get(req.socket.remotePort ?? 0);
    if (connection && connection.firstRequest === undefined)
      connection.firstRequest = `${req.method} ${url.pathname}`;
    if (url.pathname.startsWith('/_emulator/')) return admin(req, res, url);
    let status = 0;
    res.on('finish', () =>
      state.recordRequest({ method: req.method ?? '', path: url.pathname, status, at: Date.now() }),
    );
    const originalWriteHead = res.writeHead.bind(res);
    res.writeHead = ((code: number, ...rest: unknown[]) => {
      status = code;
      return (originalWriteHead as (...args: unknown[]) => ServerResponse)(code, ...rest);
    }) as typeof res.writeHead;

    if (faults.slow_ms > 0) await new Promise((r) => setTimeout(r, faults.slow_ms));
    if (random() < faults.rate_reset) {
      state.resets++;
      req.socket.destroy();
      return;
    }
    if (random() < faults.rate_429) {
      throw new HttpReply(429, 'rate-limited', 'Too many requests.', {
        'retry-after': String(faults.retry_after_seconds),
      });
    }
    if (random() < faults.rate_503) {
      throw new HttpReply(503, 'unavailable', 'The service is unavailable.', {
        'retry-after': String(faults.retry_after_seconds),
      });
    }
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) {
      const exists = ROUTES.some((r) => r.pattern.test(url.pathname));
      throw new HttpReply(
        exists ? 405 : 404,
        exists ? 'method-not-allowed' : 'not-found',
        `${req.method} ${url.pathname}`,
      );
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/upload/') && random() < faults.rate_upload_reset) {
      // A reset mid-upload: take part of the body, then drop the connection.
      state.resets++;
      req.once('data', () => req.socket.destroy());
      return;
    }
    const { user, via } = authenticate(req);
    if (!route.public && !user) throw new HttpReply(401, 'not-authenticated', 'Authentication is required.');
    const params = route.pattern.exec(url.pathname)!.slice(1);
    await route.handle({ req, res, params, query: url.searchParams, state, user, via, faults });
  }

  function authenticate(req: IncomingMessage): Pick<RouteContext, 'user' | 'via'> {
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const [uuid, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      const token = state.tokens.get(uuid ?? '');
      if (token && token.secret === secret) return { user: token.user, via: 'token' };
      return { user: undefined, via: undefined };
    }
    const session = /(?:^|;\s*)session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const user = session ? state.sessions.get(session) : undefined;
    return user ? { user, via: 'session' } : { user: undefined, via: undefined };
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/_emulator/state') return sendJson(res, 200, state.summary());
    if (req.method === 'PUT' && path === '/_emulator/faults') {
      const plan = await readJson(req, faultPlan.partial());
      sendJson(res, 200, { ...faults, ...plan });
      await emulator.setFaults(plan);
      return;
    }
    if (req.method === 'POST' && path === '/_emulator/modelers') {
      const body = await readJson(req, modelerSeed);
      const type = body.capture_type
        ? state.addModelerType(`${body.name} type`, [body.capture_type])
        : undefined;
      return sendJson(res, 201, state.addModeler({ name: body.name, ...(type ? { type: type.uri } : {}) }));
    }
    if (req.method === 'POST' && path === '/_emulator/commands') {
      const { push, ...fields } = await readJson(req, commandCreate);
      return sendJson(res, 201, emulator.sendCommand(fields, { push: push ?? true }));
    }
    const files = /^\/_emulator\/(build-files|machine-job-files)$/.exec(path);
    if (req.method === 'POST' && files) {
      const { content, encoding, ...fields } = await readJson(req, jobFileSeed);
      const input = { ...fields, content: Buffer.from(content, encoding ?? 'utf8') };
      const file = files[1] === 'build-files' ? state.addBuildFile(input) : state.addMachineJobFile(input);
      return sendJson(res, 201, { uuid: file.uuid, ...state.publicJobFile(file) });
    }
    const buildFile = /^\/_emulator\/build-files\/([0-9a-f-]{36})$/.exec(path);
    if (req.method === 'PUT' && buildFile) {
      const file = state.buildFiles.get(buildFile[1]!);
      if (!file) throw new HttpReply(404, 'not-found', 'No such build-file.');
      Object.assign(file, await readJson(req, jobFileChange), { updated: new Date().toISOString() });
      return sendJson(res, 200, state.publicJobFile(file));
    }
    const enabled = /^\/_emulator\/ecco\/([0-9a-f-]{36})\/enabled$/.exec(path);
    if (req.method === 'PUT' && enabled) {
      const ecco = state.eccos.get(enabled[1]!);
      if (!ecco) throw new HttpReply(404, 'not-found', 'No such Ecco.');
      ecco.enabled = (await readJson(req, enabledBody)).enabled;
      return sendJson(res, 200, ecco);
    }
    throw new HttpReply(404, 'not-found', `${req.method} ${path}`);
  }

  const port = await listen(server, options.port ?? 0, host);
  const url = `${options.tls ? 'https' : 'http'}://${host}:${port}/`;
  state.setBase(url);

  const emulator: CloudEmulator = {
    url,
    port,
    state,
    connections,
    sendCommand(fields, options = {}) {
      const command = state.addCommand(fields);
      if (options.push !== false) publishCommand(state, command);
      return command;
    },
    addBuildFile: (input) => state.addBuildFile(input),
    addMachineJobFile: (input) => state.addMachineJobFile(input),
    get faults() {
      return faults;
    },
    set faults(plan: FaultPlan) {
      faults = plan;
    },
    async setFaults(plan) {
      const wasDown = faults.down;
      faults = { ...faults, ...plan };
      if (faults.down && !wasDown) {
        // Down means refused connections, as with a host that is gone: stop listening, drop sockets.
        for (const res of streamsFor(state)) res.destroy();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
      } else if (!faults.down && wasDown) {
        await listen(server, port, host);
      }
    },
    async close() {
      for (const res of streamsFor(state)) res.destroy();
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
  return emulator;
}

const modelerSeed = z.strictObject({ name: z.string().min(1), capture_type: z.string().optional() });
const enabledBody = z.strictObject({ enabled: z.boolean() });

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A small seeded PRNG, so fault dice are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
