import { z } from 'zod';
import { machineSchema } from '../config/schema.ts';
import { machineOriginSchema } from './wire-status.ts';

/** Machines as the add-machine wizard and the machine screens exchange them. */

/** A machine and the password typed with it (`POST /api/v1/machines`, `PUT …/<name>`, the test). */
export const machineRequestSchema = z.strictObject({
  machine: machineSchema,
  password: z.string().min(1).optional(),
});
export type MachineRequest = z.input<typeof machineRequestSchema>;

/** A machine as stored (a `machines[]` entry, passwords only as references). */
export const machineConfigSchema = machineSchema;
export type MachineDefinition = z.output<typeof machineSchema>;

/** `GET /api/v1/machines/<name>`: where it is defined, and its definition when the app may edit it. */
export const machineDefinitionSchema = z.object({
  origin: machineOriginSchema,
  machine: machineSchema.optional(),
});
export type MachinePlace = z.infer<typeof machineDefinitionSchema>;

/** The outcome of a connection test, in words an operator can act on. */
export const connectionTestSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ConnectionTest = z.infer<typeof connectionTestSchema>;

/** A collector (vendor) this agent has, with the JSON Schema of its `connection`. */
export const collectorInfoSchema = z.object({
  id: z.string(),
  vendor: z.string(),
  models: z.string(),
  protocol: z.string(),
  captureTypes: z.array(z.string()).readonly(),
  capabilities: z.array(z.string()).readonly(),
  /** The remote commands its machines take (the capability matrix; check_configuration for all). */
  commands: z.array(z.string()).readonly(),
  connectionSchema: z.record(z.string(), z.unknown()),
});
export type CollectorInfo = z.infer<typeof collectorInfoSchema>;

/** A machine found on the network, ready to fill the add-machine wizard. */
export const discoveredMachineSchema = z.object({
  collector: z.string(),
  name: z.string(),
  host: z.string(),
  serialNumber: z.string().optional(),
  model: z.string().optional(),
  connection: z.record(z.string(), z.unknown()),
});
export type DiscoveredMachine = z.infer<typeof discoveredMachineSchema>;

export const discoveryResultSchema = z.object({
  machines: z.array(discoveredMachineSchema),
  problems: z.array(z.string()),
});
export type DiscoveryResult = z.infer<typeof discoveryResultSchema>;

export const serialPortsSchema = z.object({
  ports: z.array(z.object({ path: z.string(), manufacturer: z.string().optional() })),
  problem: z.string().optional(),
});
export type SerialPorts = z.infer<typeof serialPortsSchema>;
