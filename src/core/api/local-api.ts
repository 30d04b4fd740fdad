import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RouteInput, RouteSpec } from '../../shared/api/route-spec.ts';
import { ROUTES, type RouteName } from '../../shared/api/routes.ts';
import { type ApiErrorCode, ConfigError, describeError, EchoError, StoreError } from '../../shared/errors.ts';
import { writeOwnerOnlyAtomic } from '../owner-only.ts';
import { classifyStoreFailure } from '../store/store-failure.ts';
import type { AgentPort } from './agent-port.ts';
import { Answer, type Handler, type Handlers } from './handler-types.ts';
import { createHandlers } from './handlers.ts';
import { ApiProblem, noContent, requestUrl, send } from './http-io.ts';
import {
  candidates,
  checkEvent,
  checkProblem,
  checkResponse,
  responseCheckingWanted,
  routeBody,
  routeParams,
  routeQuery,
} from './router.ts';
import { StatusDeltas } from './status-deltas.ts';
import { loadUiAssets, UI_CSP } from './ui-assets.ts';

/** Where a running agent's API can be found: `<data_dir>/api.json` (owner-only), read by `status`. */
export interface ApiEndpointFile {
  url: string;
  pid: number;
  token: string;
}

const EVENT_INTERVAL_MS = 1000;

/**
 * The core's local API: loopback only, every data endpoint behind a bearer token that is written
 * owner-only to `data_dir`. The Host header must name the loopback address, so a web page that
 * rebinds a DNS name to 127.0.0.1 cannot reach it either.
 */
export class LocalApi {
  readonly token: string;
  private server: Server | undefined;
  private uiAssets: ReturnType<typeof loadUiAssets> | undefined;
  private readonly streams = new Set<ServerResponse>();
  private readonly handlers: Handlers;
  private readonly checkResponses: boolean;
  url = '';

  constructor(
    private readonly agent: AgentPort,
    private readonly logger: Logger,
    private readonly options: {
      host: string;
      port: number;
      dataDir: string;
      token?: string;
      /** Check each JSON answer against its route's schema (default: under the test runner). */
      checkResponses?: boolean;
    },
  ) {
    this.token = options.token ?? randomBytes(32).toString('hex');
    this.checkResponses = options.checkResponses ?? responseCheckingWanted();
    this.handlers = createHandlers({
      agent,
      url: () => this.url,
      serveUi: (path, res) => this.serveUi(path, res),
      streamEvents: (req, res, deltas) => this.streamEvents(req, res, deltas),
    });
  }

  /** The port it listens on (after start). */
  get port(): number {
    return Number(new URL(this.url).port);
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      // The route that took the request, once one did: its row declares the codes it may answer.
      const taken: { route?: RouteName } = {};
      this.handle(req, res, taken).catch((error: unknown) => {
        let problem =
          error instanceof ApiProblem
            ? error
            : error instanceof ConfigError
              ? new ApiProblem(400, apiCode(error), configProblem(error))
              : (storeProblem(error, this.options.dataDir) ??
                new ApiProblem(500, 'internal', 'internal error; see the agent log'));
        if (problem.status === 500 && !(error instanceof ApiProblem))
          this.logger.error({ err: error, path: req.url }, 'local API request failed');
        if (this.checkResponses && taken.route) problem = this.declared(taken.route, problem, req.url);
        send(res, problem.status, { error: { code: problem.code, message: problem.message } });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = this.options.host === '::1' ? '[::1]' : this.options.host;
    this.url = `http://${host}:${port}`;
    const endpoint: ApiEndpointFile = { url: this.url, pid: process.pid, token: this.token };
    try {
      // Atomically: `status`, the desktop shell and outside tools read it as soon as it exists.
      writeOwnerOnlyAtomic(join(this.options.dataDir, 'api.json'), JSON.stringify(endpoint, null, 2));
    } catch (error) {
      // A data folder that cannot be written (full, read-only, gone) must not keep the API down:
      // the desktop shell knows the address from its own start, `status` says it cannot find it.
      this.logger.warn({ err: error }, 'the local API address could not be written to api.json');
    }
    return this.url;
  }

  /** The operator UI's files: public (they hold no data), with a strict CSP. */
  private serveUi(path: string, res: ServerResponse): void {
    if (path === '/' || path === '/ui') {
      res.writeHead(302, { location: '/ui/' });
      res.end();
      return;
    }
    this.uiAssets ??= loadUiAssets();
    const assets = this.uiAssets;
    const name = path === '/ui/' ? 'index.html' : path.slice('/ui/'.length);
    if (typeof assets === 'string') throw new ApiProblem(503, 'ui_unavailable', assets);
    const asset = assets.get(name);
    if (!asset) throw new ApiProblem(404, 'not_found', `no such UI file: ${name}`);
    res.writeHead(200, {
      'content-type': asset.type,
      'content-security-policy': UI_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    res.end(asset.body);
  }

  /**
   * `GET /api/v1/events`: server-sent events for live screens. A `status` event (what
   * `/api/v1/status` answers) at once and every `EVENT_INTERVAL_MS`, until the client goes; with
   * `?deltas=1`, `delta` events after the first (the operator UI's choice).
   */
  private streamEvents(req: IncomingMessage, res: ServerResponse, withDeltas: boolean): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // `?deltas=1`: a full status first, then only what changed (see StatusDeltas).
    const deltas = withDeltas ? new StatusDeltas() : undefined;
    const push = () => {
      if (res.writableEnded) return;
      const status = this.agent.status();
      const { event, data } = deltas ? deltas.next(status) : { event: 'status', data: status };
      if (this.checkResponses && !this.eventInContract(event, data, res)) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    push();
    const timer = setInterval(push, EVENT_INTERVAL_MS);
    this.streams.add(res);
    req.on('close', () => {
      clearInterval(timer);
      this.streams.delete(res);
    });
  }

  /** Under test: an event off its schema ends the stream (the test reading it fails) and is logged. */
  private eventInContract(event: string, data: unknown, res: ServerResponse): boolean {
    try {
      checkEvent('events', ROUTES.events, event, data);
      return true;
    } catch (error) {
      this.logger.error({ err: error }, 'local API event outside its contract');
      res.end();
      return false;
    }
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) stream.end();
    const server = this.server;
    if (!server) return;
    try {
      rmSync(join(this.options.dataDir, 'api.json'), { force: true });
    } catch {
      // Not there or not removable (a read-only folder): a stale file names a closed port.
    }
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Under test: a refusal whose code its route does not declare becomes a 500 that names it. */
  private declared(route: RouteName, problem: ApiProblem, path: string | undefined): ApiProblem {
    try {
      checkProblem(route, problem.code);
      return problem;
    } catch (error) {
      this.logger.error({ err: error, path }, 'local API answer outside its contract');
      return new ApiProblem(500, 'internal', describeError(error));
    }
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    taken: { route?: RouteName },
  ): Promise<void> {
    const url = requestUrl(req.url, this.url);
    const expectedHost = new URL(this.url).host;
    const hostHeader = req.headers.host ?? '';
    if (hostHeader !== expectedHost && hostHeader !== expectedHost.replace('127.0.0.1', 'localhost')) {
      throw new ApiProblem(403, 'bad_host', 'the local API answers only to its loopback address');
    }
    // Routing and validation come from the route table (src/shared/api/routes.ts).
    const fits = candidates(req.method, url.pathname);
    // The token is asked before anything else is looked at: an unknown path without it is a 401.
    if (fits[0]?.spec.auth !== false) this.authorize(req);
    for (const route of fits) {
      const params = routeParams(route, url.pathname);
      if (!params) continue;
      taken.route = route.name;
      const query = routeQuery(route.spec, url);
      const body = await routeBody(route.spec, req);
      const handler = this.handlers[route.name] as Handler<RouteSpec>;
      const reply: unknown = await handler({ params: params.value, query, body } as RouteInput<RouteSpec>, {
        req,
        res,
        url,
      });
      if (route.spec.response) {
        const answer = reply instanceof Answer ? reply : new Answer(route.spec.status, reply);
        if (this.checkResponses) checkResponse(route.name, route.spec, answer.body, answer.status);
        send(res, answer.status, answer.body);
      } else if (route.spec.status === 204) noContent(res);
      return;
    }
    throw new ApiProblem(
      404,
      'not_found',
      `${req.method} ${url.pathname} is not an endpoint of the local API (see /api/v1/openapi.json)`,
    );
  }

  private authorize(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const expected = Buffer.from(this.token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiProblem(401, 'unauthorized', 'a bearer token is required (see <data_dir>/api.json)');
    }
  }
}

/** The API's code for a refused configuration: scripts branch on it (the catalogue's code, in words). */
function apiCode(error: ConfigError): ApiErrorCode {
  return error.code === 'ECHO_ERR_SECRET_REF_NOT_ALLOWED' ? 'secret_ref_not_allowed' : 'invalid';
}

/** One line: the headline, then each problem once (a ConfigError's message lists them already). */
function configProblem(error: ConfigError): string {
  return [error.message.split('\n')[0], ...error.problems].join('; ');
}

/**
 * A store or a file of data_dir that refuses for now (disk full: 507 Insufficient Storage; not
 * writable, or damaged and recovering: 503), with the store's own words, which name the folder and
 * what Echo does; undefined for anything else. Settings and machine files are written outside the
 * store (settings.local.json, machines.local.json): their errno is sorted the same way.
 */
function storeProblem(error: unknown, dataDir: string): ApiProblem | undefined {
  if (error instanceof StoreError && error.retryable) {
    if (error.code === 'ECHO_ERR_DISK_FULL') return new ApiProblem(507, 'disk_full', error.message);
    return new ApiProblem(503, 'store_unavailable', error.message);
  }
  if (error instanceof EchoError) return undefined;
  const kind = classifyStoreFailure(error, dataDir);
  if (kind === 'disk_full')
    return new ApiProblem(507, 'disk_full', `the disk under ${dataDir} is full: ${describeError(error)}`);
  if (kind === 'unwritable')
    return new ApiProblem(503, 'store_unavailable', `${dataDir} cannot be written: ${describeError(error)}`);
  return undefined;
}
