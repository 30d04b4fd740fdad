import { z } from 'zod';
import { machineSchema } from '../config/schema.ts';
import { discoverBodySchema } from './bodies.ts';
import { ENDPOINTS, type EndpointName } from './endpoints.ts';
import { limitQuery, type RouteSpec, route } from './route-spec.ts';
import {
  collectorInfoSchema,
  connectionTestSchema,
  discoveryResultSchema,
  machineConfigSchema,
  machineDefinitionSchema,
  machineRequestSchema,
  serialPortsSchema,
} from './wire-machines.ts';
import { deadLetterSchema, jobRecordSchema } from './wire-records.ts';
import { machineSummarySchema } from './wire-status.ts';

const machineName = z.object({ name: z.string().min(1) });
const machineErrors = ['invalid', 'secret_ref_not_allowed'] as const;

/**
 * The rows of the route table (routes.ts) for the machines as a list: their states, the collectors,
 * testing and adding one, and one machine's captures and jobs. Three tables, not one, because
 * routes.ts keeps the rows in their historical order, which interleaves other areas.
 */
export const MACHINE_ROUTES = {
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
} satisfies Partial<Record<EndpointName, RouteSpec>>;

/** The rows for one machine added in the app: its definition, a change, its removal. */
export const MACHINE_EDIT_ROUTES = {
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
} satisfies Partial<Record<EndpointName, RouteSpec>>;

/** The rows that help find a machine to add: this PC's serial ports, the local network. */
export const MACHINE_DISCOVERY_ROUTES = {
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
} satisfies Partial<Record<EndpointName, RouteSpec>>;
