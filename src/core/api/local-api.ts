import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { machineSchema } from '../../shared/config/schema.ts';
import { CloudHttpError, ConfigError, describeError, EchoError, StoreError } from '../../shared/errors.ts';
import { type LocalSettingsPatch, localSettingsPatchSchema } from '../config/local-settings.ts';
import { refuseForeignSecretRefs, refuseStoredPasswordOfOthers } from '../secrets/app-secret-refs.ts';
import { classifyStoreFailure } from '../store/store-failure.ts';
import type { AgentPort } from './agent-port.ts';
import {
  ApiProblem,
  limitParam,
  noContent,
  optional,
  readBody,
  readJson,
  requestUrl,
  send,
  validBody,
} from './http-io.ts';
import { renderMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { handlePathRoute, machineRequest } from './path-routes.ts';
import { StatusDeltas } from './status-deltas.ts';
import { loadUiAssets, UI_CSP } from './ui-assets.ts';

/** Where a running agent's API can be found: `<data_dir>/api.json` (owner-only), read by `status`. */
export interface ApiEndpointFile {
  url: string;
  pid: number;
  token: string;
}

const retryBody = z.strictObject({
  kind: z.enum(['captures', 'logs']).default('captures'),
  ids: z.array(z.number().int()).optional(),
});
const discardBody = z.strictObject({ ids: z.array(z.number().int()).min(1) });
const signInBody = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1),
  logon_type: z.enum(['password', 'ldap']).default('password'),
});

/** "Use an API token": one made in the cloud, pasted by the operator. */
const tokenSignInBody = z.strictObject({
  api_token: z.strictObject({ uuid: z.string().trim().min(1), secret: z.string().trim().min(1) }),
});

const discoverRequest = z.strictObject({ seconds: z.number().min(1).max(30).default(5) });

const EVENT_INTERVAL_MS = 1000;

/** Sign-in takes the secret itself, never a reference for Echo to read (docs/security.md). */
const NOT_A_SIGN_IN_FIELD =
  'unknown field; sign in with "username" and "password", or "api_token" with its "uuid" and "secret" themselves (secret references belong in the configuration file)';

const NOT_A_SETTING =
  'not a setting the app may change; set it in the configuration file (secret references, credentials, machines and the API address live there)';

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
  url = '';

  constructor(
    private readonly agent: AgentPort,
    private readonly logger: Logger,
    private readonly options: { host: string; port: number; dataDir: string; token?: string },
  ) {
    this.token = options.token ?? randomBytes(32).toString('hex');
  }

  /** The port it listens on (after start). */
  get port(): number {
    return Number(new URL(this.url).port);
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const problem =
          error instanceof ApiProblem
            ? error
            : error instanceof ConfigError
              ? new ApiProblem(400, apiCode(error), configProblem(error))
              : (storeProblem(error, this.options.dataDir) ??
                new ApiProblem(500, 'internal', 'internal error; see the agent log'));
        if (problem.status === 500 && !(error instanceof ApiProblem))
          this.logger.error({ err: error, path: req.url }, 'local API request failed');
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
      writeFileSync(join(this.options.dataDir, 'api.json'), JSON.stringify(endpoint, null, 2), {
        mode: 0o600,
      });
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
  private streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // `?deltas=1`: a full status first, then only what changed (see StatusDeltas).
    const deltas =
      new URL(req.url ?? '/', this.url).searchParams.get('deltas') === '1' ? new StatusDeltas() : undefined;
    const push = () => {
      const status = this.agent.status();
      const { event, data } = deltas ? deltas.next(status) : { event: 'status', data: status };
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url, this.url);
    const expectedHost = new URL(this.url).host;
    const hostHeader = req.headers.host ?? '';
    if (hostHeader !== expectedHost && hostHeader !== expectedHost.replace('127.0.0.1', 'localhost')) {
      throw new ApiProblem(403, 'bad_host', 'the local API answers only to its loopback address');
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /healthz') return send(res, 200, { status: 'ok' });
    if (route === 'GET /readyz')
      return send(res, this.agent.ready() ? 200 : 503, { ready: this.agent.ready() });
    if (route === 'GET /api/v1/openapi.json') return send(res, 200, openApiDocument(this.url));
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname.startsWith('/ui/'))) {
      return this.serveUi(url.pathname, res);
    }
    this.authorize(req);
    if (route === 'GET /api/v1/events') return this.streamEvents(req, res);
    if (await handlePathRoute(req, res, url, this.agent)) return;
    switch (route) {
      case 'GET /metrics': {
        const text = renderMetrics(this.agent.status());
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(text);
        return;
      }
      case 'GET /api/v1/status':
        return send(res, 200, this.agent.status());
      case 'GET /api/v1/machines':
        return send(res, 200, this.agent.machines());
      case 'GET /api/v1/collectors':
        return send(res, 200, this.agent.collectorList());
      case 'POST /api/v1/machines/test': {
        // A machines[] entry, or {machine, password} from the wizard (a password not yet stored).
        const body = await readJson(req, z.union([machineRequest, machineSchema]));
        // Checked before anything connects: the host is the caller's to choose.
        const [machine, field] = 'machine' in body ? [body.machine, 'machine'] : [body, ''];
        refuseForeignSecretRefs(machine, field);
        refuseStoredPasswordOfOthers(machine, field, this.agent.machineDefinition(machine.name)?.origin);
        const test =
          'machine' in body
            ? await this.agent.testMachine(body.machine, body.password)
            : await this.agent.testMachine(body);
        return send(res, 200, test);
      }
      case 'GET /api/v1/settings':
        return send(res, 200, this.agent.settings());
      case 'PUT /api/v1/settings': {
        // Secret references (log.sentry_dsn_ref, cloud.api_token) and credentials are not settings
        // of the app: they stay in the configuration file, which the PC's administrator writes.
        const patch = await readJson(req, localSettingsPatchSchema, NOT_A_SETTING);
        return send(res, 200, this.agent.updateSettings(patch as LocalSettingsPatch));
      }
      case 'PUT /api/v1/collection': {
        const { paused } = await readJson(req, z.strictObject({ paused: z.boolean() }));
        this.agent.setCollectionPaused(paused);
        return send(res, 200, { collection: this.agent.status().collection });
      }
      case 'POST /api/v1/machines': {
        const input = await readJson(req, machineRequest);
        const machine = await this.agent.addMachine({
          machine: input.machine,
          ...(input.password ? { password: input.password } : {}),
        });
        return send(res, 201, machine);
      }
      case 'GET /api/v1/diagnostics': {
        const zip = this.agent.diagnostics();
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        res.writeHead(200, {
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename="echo-diagnostics-${stamp}.zip"`,
          'content-length': String(zip.length),
        });
        res.end(zip);
        return;
      }
      case 'GET /api/v1/serial-ports':
        return send(res, 200, await this.agent.serialPorts());
      case 'POST /api/v1/discover': {
        const { seconds } = await readJson(req, discoverRequest);
        return send(res, 200, await this.agent.discover(seconds));
      }
      case 'GET /api/v1/backlog':
        return send(res, 200, this.agent.status().backlog);
      case 'GET /api/v1/logs':
        return send(
          res,
          200,
          this.agent.logs({
            limit: limitParam(url, 200, 5000),
            ...optional('level', url.searchParams.get('level')),
            ...optional('machine', url.searchParams.get('machine')),
            ...optional('search', url.searchParams.get('search')),
          }),
        );
      case 'GET /api/v1/dead-letters':
        return send(res, 200, this.agent.deadLetters(500));
      case 'POST /api/v1/dead-letters/retry': {
        const body = await readJson(req, retryBody);
        return send(res, 200, { retried: this.agent.retryDeadLetters(body.kind, body.ids) });
      }
      case 'POST /api/v1/dead-letters/discard': {
        const body = await readJson(req, discardBody);
        return send(res, 200, { discarded: this.agent.discardDeadLetters(body.ids) });
      }
      case 'POST /api/v1/session': {
        // The body's shape picks the schema, so that a refusal names the field rather than "invalid input".
        const raw = await readBody(req);
        const body =
          typeof raw === 'object' && raw !== null && 'api_token' in raw
            ? validBody(raw, tokenSignInBody, NOT_A_SIGN_IN_FIELD)
            : validBody(raw, signInBody, NOT_A_SIGN_IN_FIELD);
        try {
          if ('api_token' in body) await this.agent.useApiToken(body.api_token);
          else
            await this.agent.signIn({
              username: body.username,
              password: body.password,
              ldap: body.logon_type === 'ldap',
            });
        } catch (error) {
          if (error instanceof CloudHttpError && (error.status === 401 || error.status === 403)) {
            throw new ApiProblem(
              401,
              'sign_in_refused',
              'api_token' in body
                ? 'the cloud refused this API token (check its uuid and secret, and that it is still active)'
                : 'the cloud refused the username or password',
            );
          }
          throw new ApiProblem(502, 'sign_in_failed', `sign-in failed: ${describeError(error)}`);
        }
        noContent(res);
        return;
      }
      case 'DELETE /api/v1/session':
        this.agent.signOut();
        noContent(res);
        return;
      default:
        throw new ApiProblem(
          404,
          'not_found',
          `${route} is not an endpoint of the local API (see /api/v1/openapi.json)`,
        );
    }
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
function apiCode(error: ConfigError): string {
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
