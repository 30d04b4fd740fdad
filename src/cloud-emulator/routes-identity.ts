import { randomBytes } from 'node:crypto';
import { HttpReply, readJson, sendEmpty, sendJson } from './http-helpers.ts';
import type { Route } from './route-context.ts';
import { listResources } from './route-context.ts';
import { apiTokenCreate, eccoCreate, eccoUpdate, sessionCreate } from './schemas.ts';

const UUID = '([0-9a-f-]{36})';

/** `/about/`, `/sessions/`, `/api_tokens/`, `/bureau/`, `/ecco/`. */
export const identityRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/about\/$/,
    public: true,
    handle: ({ res }) =>
      sendJson(res, 200, { name: 'Echo cloud emulator', version: '1.0', deployment_date: '2026-01-01' }),
  },
  {
    method: 'POST',
    pattern: /^\/sessions\/$/,
    public: true,
    async handle({ req, res, state }) {
      const body = await readJson(req, sessionCreate);
      const username = 'username' in body ? body.username : body.ldap_username;
      const user = state.users.get(username);
      if (!user || user.password !== body.password) {
        throw new HttpReply(401, 'invalid-credentials', 'The username or password is not correct.');
      }
      const session = randomBytes(16).toString('hex');
      state.sessions.set(session, user);
      sendEmpty(res, 201, {
        'set-cookie': `session=${session}; Path=/; HttpOnly`,
        location: state.url('/sessions/'),
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/sessions\/$/,
    handle: ({ res, user, state }) =>
      sendJson(res, 200, {
        uri: state.url(`/users/${user!.uuid}/`),
        username: user!.username,
        name: user!.name,
      }),
  },
  {
    method: 'POST',
    pattern: /^\/api_tokens\/$/,
    async handle({ req, res, user, via, state }) {
      // The contract: an API token is created with the operator's session, never with a token.
      if (via !== 'session')
        throw new HttpReply(403, 'session-required', 'An API token is created with a signed-in session.');
      const body = await readJson(req, apiTokenCreate);
      const token = state.issueToken(user!, body.name);
      sendJson(res, 201, token, { location: state.url(`/api_tokens/${token.uuid}/`) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/bureau\/$/,
    handle: ({ res, state }) =>
      sendJson(res, 200, { resources: [{ uri: state.bureauUri, name: 'Emulated bureau' }], total_count: 1 }),
  },
  {
    method: 'POST',
    pattern: /^\/ecco\/$/,
    async handle({ req, res, state }) {
      const { workstation_name, ...body } = await readJson(req, eccoCreate);
      if (body.bureau !== state.bureauUri)
        throw new HttpReply(400, 'invalid-bureau', 'The bureau does not exist.');
      const uuid = crypto.randomUUID();
      const uri = state.url(`/ecco/${uuid}/`);
      state.eccos.set(uuid, {
        ...body,
        ...(workstation_name !== undefined && state.keepsWorkstationName ? { workstation_name } : {}),
        uri,
        enabled: true,
        created: new Date().toISOString(),
        health_reports: 0,
      });
      sendEmpty(res, 201, { location: uri });
    },
  },
  {
    method: 'GET',
    pattern: /^\/ecco\/$/,
    handle({ res, state, query }) {
      const filters = new URLSearchParams(query);
      if (!state.keepsWorkstationName) filters.delete('filter[workstation_name]');
      sendJson(res, 200, listResources([...state.eccos.values()], filters));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/ecco/${UUID}/$`),
    handle({ res, state, params }) {
      const ecco = state.eccos.get(params[0]!);
      if (!ecco) throw new HttpReply(404, 'not-found', 'The Ecco installation cannot be found.');
      sendJson(res, 200, ecco);
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/ecco/${UUID}/$`),
    async handle({ req, res, state, params }) {
      const ecco = state.eccos.get(params[0]!);
      if (!ecco) throw new HttpReply(404, 'not-found', 'The Ecco installation cannot be found.');
      const body = await readJson(req, eccoUpdate);
      Object.assign(ecco, body, { health_reports: Number(ecco.health_reports ?? 0) + 1 });
      sendEmpty(res, 204);
    },
  },
];
