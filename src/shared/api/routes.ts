import { z } from 'zod';
import { machineSchema } from '../config/schema.ts';
import {
  collectionBodySchema,
  discardBodySchema,
  discoverBodySchema,
  NOT_A_SETTING,
  NOT_A_SIGN_IN_FIELD,
  pickSignInSchema,
  retryBodySchema,
  signInBodySchema,
} from './bodies.ts';
import { ENDPOINTS, type EndpointName } from './endpoints.ts';
import { limitQuery, type RouteSpec, route, textQuery } from './route-spec.ts';
import {
  collectorInfoSchema,
  connectionTestSchema,
  discoveryResultSchema,
  machineConfigSchema,
  machineDefinitionSchema,
  machineRequestSchema,
  serialPortsSchema,
} from './wire-machines.ts';
import { commandRecordSchema, deadLetterSchema, jobRecordSchema, logEntrySchema } from './wire-records.ts';
import { settingsDocumentSchema, settingsPatchSchema, settingsSavedSchema } from './wire-settings.ts';
import {
  agentStatusSchema,
  backlogCountsSchema,
  collectionStateSchema,
  machineSummarySchema,
  statusDeltaSchema,
  updateStatusSchema,
} from './wire-status.ts';

/**
 * The local API, one row per endpoint: the single source of its routing and validation
 * (core/api/router.ts), its OpenAPI document (core/api/openapi.ts) and its typed client
 * (client.ts). Adding an endpoint: a row here, a handler of the same name in
 * core/api/handlers.ts (the compiler asks for it), a line in docs/local-api.md.
 *
 * Order matters only where a fixed path and a parameter share a shape (`/machines/test` before
 * `/machines/{name}`): the first row whose method and path match answers.
 */

const machineName = z.object({ name: z.string().min(1) });
/** An alert's or a command's id: digits only (`/alerts/abc` is no route: 404). */
const numericId = z.object({
  id: z
    .string()
    .regex(/^\d+$/)
    .transform((text) => Number(text)),
});
const machineErrors = ['invalid', 'secret_ref_not_allowed'] as const;

/** The OpenAPI document, as far as a client relies on it (the operations are JSON Schema). */
const openApiDocumentSchema = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string(), version: z.string() }),
  servers: z.array(z.object({ url: z.string() })),
  components: z.object({ securitySchemes: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  /** Path → method → operation (summary, parameters, requestBody, responses). */
  paths: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))),
});

export const ROUTES = {
  health: route({
    ...ENDPOINTS.health,
    summary: 'Liveness (no token).',
    auth: false,
    status: 200,
    response: z.object({ status: z.literal('ok') }),
    errors: [],
  }),
  ready: route({
    ...ENDPOINTS.ready,
    summary: 'Readiness (no token): 503 while starting, stopping, or waiting for its store.',
    auth: false,
    status: 200,
    response: z.object({ ready: z.boolean() }),
    otherStatuses: { 503: '{ready: false}: starting, stopping, or waiting for its store' },
    errors: [],
  }),
  openapi: route({
    ...ENDPOINTS.openapi,
    summary: 'This document (no token).',
    auth: false,
    status: 200,
    response: openApiDocumentSchema,
    errors: [],
  }),
  uiRoot: route({
    ...ENDPOINTS.uiRoot,
    summary: 'Redirects to the operator UI.',
    auth: false,
    status: 302,
    errors: [],
  }),
  uiAsset: route({
    ...ENDPOINTS.uiAsset,
    summary: 'The operator UI’s files (public: they hold no data), with a strict CSP.',
    auth: false,
    params: z.object({ asset: z.string() }),
    status: 200,
    contentType: 'text/html',
    errors: ['not_found', 'ui_unavailable'],
  }),
  events: route({
    ...ENDPOINTS.events,
    summary:
      'Server-sent events: `event: status` (the /api/v1/status document) at once and every second; with ?deltas=1, `event: delta` (the status without machines, with seen and changed) after the first. x-events gives each event’s data.',
    auth: true,
    query: z.object({ deltas: z.string().optional() }),
    status: 200,
    contentType: 'text/event-stream',
    events: { status: agentStatusSchema, delta: statusDeltaSchema },
    errors: [],
  }),
  metrics: route({
    ...ENDPOINTS.metrics,
    summary: 'Prometheus metrics (text exposition).',
    auth: true,
    status: 200,
    contentType: 'text/plain; version=0.0.4',
    errors: [],
  }),
  status: route({
    ...ENDPOINTS.status,
    summary: 'Agent status.',
    auth: true,
    status: 200,
    response: agentStatusSchema,
    errors: [],
  }),
  machines: route({
    ...ENDPOINTS.machines,
    summary: 'Machines with state and backlog.',
    auth: true,
    status: 200,
    response: z.array(machineSummarySchema),
    errors: [],
  }),
  collectors: route({
    ...ENDPOINTS.collectors,
    summary: 'The collectors (vendors) this agent has.',
    auth: true,
    status: 200,
    response: z.array(collectorInfoSchema),
    errors: [],
  }),
  testMachine: route({
    ...ENDPOINTS.testMachine,
    summary:
      'Test a machine configuration without saving it: a machines[] entry, or {machine, password} from the wizard.',
    auth: true,
    // A machines[] entry, or {machine, password} from the wizard (a password not yet stored).
    body: z.union([machineRequestSchema, machineSchema]),
    status: 200,
    response: connectionTestSchema,
    errors: machineErrors,
  }),
  addMachine: route({
    ...ENDPOINTS.addMachine,
    summary:
      'Add a machine: {machine, password?}; kept in machines.local.json, the password in the secret store.',
    auth: true,
    body: machineRequestSchema,
    status: 201,
    response: machineConfigSchema,
    errors: machineErrors,
  }),
  machineCaptures: route({
    ...ENDPOINTS.machineCaptures,
    summary: 'The machine’s recent captures and their sync state (?limit=, no content).',
    auth: true,
    params: machineName,
    query: z.object({ limit: limitQuery(50, 1000) }),
    status: 200,
    response: z.array(deadLetterSchema),
    errors: [],
  }),
  machineJobs: route({
    ...ENDPOINTS.machineJobs,
    summary: 'The machine’s jobs, newest first: seen running by Echo or reported by the machine (?limit=).',
    auth: true,
    params: machineName,
    query: z.object({ limit: limitQuery(50, 500) }),
    status: 200,
    response: z.array(jobRecordSchema),
    errors: [],
  }),
  commands: route({
    ...ENDPOINTS.commands,
    summary:
      'Remote commands from the cloud and what became of each, newest first (?machine=, ?limit=): the audit (docs/commands.md).',
    auth: true,
    query: z.object({ machine: textQuery, limit: limitQuery(100, 1000) }),
    status: 200,
    response: z.array(commandRecordSchema),
    errors: [],
  }),
  confirmCommand: route({
    ...ENDPOINTS.confirmCommand,
    summary:
      'Confirm at the workstation a command that awaits it (start_job): it starts, and the cloud hears processing.',
    auth: true,
    params: numericId,
    status: 200,
    response: commandRecordSchema,
    errors: ['not_found', 'not_awaiting_confirmation'],
  }),
  refuseCommand: route({
    ...ENDPOINTS.refuseCommand,
    summary:
      'Refuse at the workstation a command that awaits confirmation: it ends as error "refused at the workstation", never run.',
    auth: true,
    params: numericId,
    status: 200,
    response: commandRecordSchema,
    errors: ['not_found', 'not_awaiting_confirmation'],
  }),
  clearAlert: route({
    ...ENDPOINTS.clearAlert,
    summary: 'Dismiss an alert (a quarantine…): it leaves status and the UI, and stays in the store.',
    auth: true,
    params: numericId,
    status: 204,
    errors: ['not_found'],
  }),
  machine: route({
    ...ENDPOINTS.machine,
    summary: 'Where the machine is defined, and its definition when it was added in the app.',
    auth: true,
    params: machineName,
    status: 200,
    response: machineDefinitionSchema,
    errors: ['not_found'],
  }),
  updateMachine: route({
    ...ENDPOINTS.updateMachine,
    summary: 'Change a machine added in the app: {machine, password?} (no password keeps the stored one).',
    auth: true,
    params: machineName,
    body: machineRequestSchema,
    status: 200,
    response: machineConfigSchema,
    errors: [...machineErrors, 'not_found', 'not_editable_here'],
  }),
  removeMachine: route({
    ...ENDPOINTS.removeMachine,
    summary: 'Remove a machine added in the app.',
    auth: true,
    params: machineName,
    status: 204,
    errors: ['not_found'],
  }),
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
  serialPorts: route({
    ...ENDPOINTS.serialPorts,
    summary: 'Serial ports of this PC, or {problem} where the OS cannot list them.',
    auth: true,
    status: 200,
    response: serialPortsSchema,
    errors: [],
  }),
  discover: route({
    ...ENDPOINTS.discover,
    summary: 'Look for machines on the local network for {"seconds": 1–30} (default 5).',
    auth: true,
    body: discoverBodySchema,
    status: 200,
    response: discoveryResultSchema,
    errors: [],
  }),
  backlog: route({
    ...ENDPOINTS.backlog,
    summary: 'Queue counts per kind and state.',
    auth: true,
    status: 200,
    response: backlogCountsSchema,
    errors: [],
  }),
  logs: route({
    ...ENDPOINTS.logs,
    summary: 'Recent log entries, newest first.',
    auth: true,
    query: z.object({
      limit: limitQuery(200, 5000),
      level: textQuery,
      machine: textQuery,
      search: textQuery,
    }),
    status: 200,
    response: z.array(logEntrySchema),
    errors: [],
  }),
  deadLetters: route({
    ...ENDPOINTS.deadLetters,
    summary: 'Dead-lettered captures.',
    auth: true,
    status: 200,
    response: z.array(deadLetterSchema),
    errors: [],
  }),
  retryDeadLetters: route({
    ...ENDPOINTS.retryDeadLetters,
    summary: 'Put dead-lettered records back in the queue: {kind: "captures"|"logs", ids?: number[]}.',
    auth: true,
    body: retryBodySchema,
    status: 200,
    response: z.object({ retried: z.number() }),
    errors: [],
  }),
  discardDeadLetters: route({
    ...ENDPOINTS.discardDeadLetters,
    summary: 'Delete dead-lettered captures: {ids: number[]}.',
    auth: true,
    body: discardBodySchema,
    status: 200,
    response: z.object({ discarded: z.number() }),
    errors: [],
  }),
  signIn: route({
    ...ENDPOINTS.signIn,
    summary:
      'Sign in: {username, password, logon_type: "password"|"ldap"}, or {api_token: {uuid, secret}} (checked with the cloud); stores an api token.',
    auth: true,
    body: signInBodySchema,
    pickBody: pickSignInSchema,
    unknownKey: NOT_A_SIGN_IN_FIELD,
    status: 204,
    errors: ['sign_in_refused', 'sign_in_failed'],
  }),
  signOut: route({
    ...ENDPOINTS.signOut,
    summary: 'Sign out (forget the stored token).',
    auth: true,
    status: 204,
    errors: [],
  }),
  update: route({
    ...ENDPOINTS.update,
    summary:
      'Updates from the cloud’s /installer/ feed: the running version, the newer one available, and the check’s or download’s state.',
    auth: true,
    status: 200,
    response: updateStatusSchema,
    errors: [],
  }),
  checkUpdate: route({
    ...ENDPOINTS.checkUpdate,
    summary: 'Ask the cloud for a newer Echo now; answers the update status after the check.',
    auth: true,
    status: 200,
    response: updateStatusSchema,
    errors: ['updates_off'],
  }),
  downloadUpdate: route({
    ...ENDPOINTS.downloadUpdate,
    summary:
      'Download and verify the offered update into <data_dir>/updates/: its path when ready (the desktop app installs it).',
    auth: true,
    status: 200,
    response: z.object({
      path: z.string(),
      version: z.string(),
      sha256: z.string(),
      size: z.number(),
      verifiedBy: z.enum(['sha256', 'signature', 'none']),
    }),
    errors: ['updates_off', 'no_update', 'update_refused', 'update_failed'],
  }),
} satisfies Record<EndpointName, RouteSpec>;

export type Routes = typeof ROUTES;
export type RouteName = keyof Routes;
