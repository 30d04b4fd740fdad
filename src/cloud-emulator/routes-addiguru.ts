import { z } from 'zod';
import { HttpReply, readJson, sendEmpty, sendJson } from './http-helpers.ts';
import type { Route } from './route-context.ts';
import { listResources } from './route-context.ts';

const UUID = '([0-9a-f-]{36})';

/** What the agent may change on an installation (seed: `health`, `health_check_on`). */
const addiguruUpdate = z.strictObject({
  health: z.enum([
    'healthy',
    'unreachable',
    'authentication_error',
    'configuration_error',
    'degraded',
    'unknown',
  ]),
  health_check_on: z.iso.datetime({ offset: true }).optional(),
});

/** `/addiguru-installation/`: the Addiguru hubs (seed 002, 6.1); an installation's health, PUT by Echo. */
export const addiguruRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/addiguru-installation\/$/,
    handle: ({ res, state, query }) =>
      sendJson(res, 200, listResources([...state.addiguruInstallations.values()], query)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/addiguru-installation/${UUID}/$`),
    handle({ res, state, params }) {
      const installation = state.addiguruInstallations.get(params[0]!);
      if (!installation) throw new HttpReply(404, 'not-found', 'The addiguru-installation cannot be found.');
      sendJson(res, 200, installation);
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/addiguru-installation/${UUID}/$`),
    async handle({ req, res, state, params }) {
      const installation = state.addiguruInstallations.get(params[0]!);
      if (!installation) throw new HttpReply(404, 'not-found', 'The addiguru-installation cannot be found.');
      const body = await readJson(req, addiguruUpdate);
      Object.assign(installation, body, { updated: new Date().toISOString() });
      state.addiguruHealthReports.push({ uri: installation.uri, health: body.health });
      sendEmpty(res, 204);
    },
  },
];
