import { z } from 'zod';
import { ENDPOINTS, type EndpointName } from './endpoints.ts';
import { type RouteSpec, route } from './route-spec.ts';
import { agentStatusSchema, statusDeltaSchema } from './wire-status.ts';

/** The OpenAPI document, as far as a client relies on it (the operations are JSON Schema). */
const openApiDocumentSchema = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string(), version: z.string() }),
  servers: z.array(z.object({ url: z.string() })),
  components: z.object({ securitySchemes: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  /** Path → method → operation (summary, parameters, requestBody, responses). */
  paths: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))),
});

/**
 * The rows of the route table (routes.ts) for the agent as a service and the app's shell: liveness,
 * readiness, this document, the operator UI's files, the event stream, metrics and status.
 */
export const APP_ROUTES = {
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
} satisfies Partial<Record<EndpointName, RouteSpec>>;
