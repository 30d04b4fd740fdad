import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloudHttpError, describeError } from '../../shared/errors.ts';
import { refuseForeignSecretRefs, refuseStoredPasswordOfOthers } from '../secrets/app-secret-refs.ts';
import type { AgentPort, CommandRecord } from './agent-port.ts';
import { Answer, type Handlers } from './handler-types.ts';
import { ApiProblem } from './http-io.ts';
import { machineHandlers } from './machine-handlers.ts';
import { renderMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';

/** What the handlers need beside the agent: the parts of the server that write raw answers. */
export interface HandlerDeps {
  agent: AgentPort;
  /** The API's own address (the OpenAPI document's server). */
  url(): string;
  serveUi(path: string, res: ServerResponse): void;
  streamEvents(req: IncomingMessage, res: ServerResponse, deltas: boolean): void;
}

/** The local API's endpoints, one per route of the table (src/shared/api/routes.ts). */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { agent } = deps;
  return {
    ...machineHandlers(agent),
    health: () => ({ status: 'ok' as const }),
    ready: () => (agent.ready() ? { ready: true } : new Answer(503, { ready: false })),
    openapi: () => openApiDocument(deps.url()),
    uiRoot: (_input, { url, res }) => deps.serveUi(url.pathname, res),
    uiAsset: (_input, { url, res }) => deps.serveUi(url.pathname, res),
    events: ({ query }, { req, res }) => deps.streamEvents(req, res, query.deltas === '1'),
    metrics: (_input, { res }) => {
      const text = renderMetrics(agent.status());
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(text);
    },
    status: () => agent.status(),
    collectors: () => agent.collectorList(),
    testMachine: async ({ body }) => {
      // Checked before anything connects: the host is the caller's to choose.
      const [machine, field] = 'machine' in body ? [body.machine, 'machine'] : [body, ''];
      refuseForeignSecretRefs(machine, field);
      refuseStoredPasswordOfOthers(machine, field, agent.machineDefinition(machine.name)?.origin);
      return 'machine' in body ? agent.testMachine(body.machine, body.password) : agent.testMachine(body);
    },
    settings: () => agent.settings(),
    updateSettings: ({ body }) => agent.updateSettings(body),
    collection: ({ body }) => {
      agent.setCollectionPaused(body.paused);
      return { collection: agent.status().collection };
    },
    diagnostics: (_input, { res }) => {
      const zip = agent.diagnostics();
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="echo-diagnostics-${stamp}.zip"`,
        'content-length': String(zip.length),
      });
      res.end(zip);
    },
    serialPorts: () => agent.serialPorts(),
    discover: ({ body }) => agent.discover(body.seconds),
    backlog: () => agent.status().backlog,
    confirmCommand: ({ params }) => answered(agent.answerCommand(params.id, true)),
    refuseCommand: ({ params }) => answered(agent.answerCommand(params.id, false)),
    commands: ({ query }) =>
      agent.commands({ limit: query.limit, ...(query.machine ? { machine: query.machine } : {}) }),
    logs: ({ query }) =>
      agent.logs({
        limit: query.limit,
        ...(query.level ? { level: query.level } : {}),
        ...(query.machine ? { machine: query.machine } : {}),
        ...(query.search ? { search: query.search } : {}),
      }),
    deadLetters: () => agent.deadLetters(500),
    retryDeadLetters: ({ body }) => ({ retried: agent.retryDeadLetters(body.kind, body.ids) }),
    discardDeadLetters: ({ body }) => ({ discarded: agent.discardDeadLetters(body.ids) }),
    signIn: async ({ body }) => {
      try {
        if ('api_token' in body) await agent.useApiToken(body.api_token);
        else
          await agent.signIn({
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
    },
    signOut: () => agent.signOut(),
    update: () => agent.updateStatus(),
    checkUpdate: async () => {
      const status = await agent.checkUpdate();
      if (status === 'updates_off') {
        throw new ApiProblem(
          409,
          'updates_off',
          `no updates from the cloud: ${agent.updateStatus().off ?? 'off'}`,
        );
      }
      return status;
    },
    downloadUpdate: async () => {
      const result = await agent.downloadUpdate();
      if (!result.ok) {
        const status = { updates_off: 409, no_update: 409, update_refused: 422, update_failed: 502 }[
          result.code
        ];
        throw new ApiProblem(status, result.code, result.message);
      }
      const { ok: _ok, ...file } = result;
      return file;
    },
  };
}

/** A command after the operator's answer, or the refusal in the API's words. */
function answered(result: CommandRecord | 'not_found' | 'not_awaiting'): CommandRecord {
  if (result === 'not_found') throw new ApiProblem(404, 'not_found', 'no command with that id');
  if (result === 'not_awaiting')
    throw new ApiProblem(
      409,
      'not_awaiting_confirmation',
      'the command does not await confirmation: it was confirmed, refused or timed out already',
    );
  return result;
}
