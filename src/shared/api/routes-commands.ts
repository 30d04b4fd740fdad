import { z } from 'zod';
import { ENDPOINTS, type EndpointName } from './endpoints.ts';
import { limitQuery, type RouteSpec, route, textQuery } from './route-spec.ts';
import { commandRecordSchema } from './wire-records.ts';

/** An alert's or a command's id: digits only (`/alerts/abc` is no route: 404). */
const numericId = z.object({
  id: z
    .string()
    .regex(/^\d+$/)
    .transform((text) => Number(text)),
});

/**
 * The rows of the route table (routes.ts) for what asks the workstation to act: the cloud's remote
 * commands (the audit, confirming or refusing one) and the alerts it dismisses.
 */
export const COMMAND_ROUTES = {
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
} satisfies Partial<Record<EndpointName, RouteSpec>>;
