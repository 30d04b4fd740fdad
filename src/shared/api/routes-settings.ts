import { z } from 'zod';
import { collectionBodySchema, NOT_A_SETTING } from './bodies.ts';
import { ENDPOINTS, type EndpointName } from './endpoints.ts';
import { type RouteSpec, route } from './route-spec.ts';
import { settingsDocumentSchema, settingsPatchSchema, settingsSavedSchema } from './wire-settings.ts';
import { collectionStateSchema } from './wire-status.ts';

/**
 * The rows of the route table (routes.ts) for the agent as a whole, as the operator runs it: its
 * settings, pausing collection, and the diagnostics zip for support.
 */
export const SETTINGS_ROUTES = {
  settings: route({
    ...ENDPOINTS.settings,
    summary:
      'The settings in effect (no secrets), and `editable`: the JSON Schema, values and sources (app, environment, config) of what PUT may change.',
    auth: true,
    status: 200,
    response: settingsDocumentSchema,
    errors: [],
  }),
  updateSettings: route({
    ...ENDPOINTS.updateSettings,
    summary:
      'Change settings; null resets one to the config file. Kept in settings.local.json; the core restarts on the same address and token.',
    auth: true,
    // Secret references (log.sentry_dsn_ref, cloud.api_token) and credentials are not settings
    // of the app: they stay in the configuration file, which the PC's administrator writes.
    body: settingsPatchSchema,
    unknownKey: NOT_A_SETTING,
    status: 200,
    response: settingsSavedSchema,
    errors: ['invalid'],
  }),
  collection: route({
    ...ENDPOINTS.collection,
    summary: 'Pause or resume collection: {"paused": true|false} (kept across restarts).',
    auth: true,
    body: collectionBodySchema,
    status: 200,
    response: z.object({ collection: collectionStateSchema }),
    errors: [],
  }),
  diagnostics: route({
    ...ENDPOINTS.diagnostics,
    summary: 'A zip for support: status, machines, logs, the configuration without secrets.',
    auth: true,
    status: 200,
    contentType: 'application/zip',
    errors: [],
  }),
} satisfies Partial<Record<EndpointName, RouteSpec>>;
