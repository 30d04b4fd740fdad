import { z } from 'zod';
import { discardBodySchema, retryBodySchema } from './bodies.ts';
import { ENDPOINTS, type EndpointName } from './endpoints.ts';
import { limitQuery, type RouteSpec, route, textQuery } from './route-spec.ts';
import { deadLetterSchema, logEntrySchema } from './wire-records.ts';
import { backlogCountsSchema } from './wire-status.ts';

/**
 * The rows of the route table (routes.ts) for what waits to reach the cloud: the queue's counts,
 * the log entries, and the dead-lettered records (retried or discarded).
 */
export const SYNC_ROUTES = {
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
} satisfies Partial<Record<EndpointName, RouteSpec>>;
