// The connection settings of OPC UA collectors, apart from the protocol code: a config is
// validated (and the collector list shown) without loading node-opcua.
import { z } from 'zod';
import { sha256Fingerprint } from './pinned-tls.ts';

/** How a collector secures and trusts an OPC UA connection (`connection.security`). */
export const opcuaSecurity = z
  .strictObject({
    mode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('SignAndEncrypt'),
    policy: z
      .enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'])
      .default('Basic256Sha256'),
    server_certificate_fingerprint: sha256Fingerprint
      .optional()
      .describe("SHA-256 fingerprint of the server's certificate, accepted by the operator."),
  })
  .default({ mode: 'SignAndEncrypt', policy: 'Basic256Sha256' });

export type OpcuaSecurity = z.output<typeof opcuaSecurity>;

/** `machines[].connection` shared by OPC UA collectors. */
export const opcuaConnection = z.strictObject({
  endpoint_url: z
    .string()
    .regex(/^opc\.tcp:\/\/[^/\s]+/, 'must be an OPC UA endpoint such as "opc.tcp://192.168.10.50:4840"')
    .describe('The OPC UA endpoint of the machine.'),
  namespace_index: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(1)
    .describe("Namespace of the machine's nodes."),
  serial_number: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The machine's serial number: picks the machine below the OPC 40001-1 Machines folder whose Identification/SerialNumber it is.",
    ),
  companion_model: z
    .boolean()
    .default(true)
    .describe(
      'Find the machine through the OPC 40001-1 / OPC 40540 model where the server has it; false reads the configured NodeIds only.',
    ),
  security: opcuaSecurity,
  sampling_interval_ms: z.number().int().min(50).max(60_000).default(500),
  subscribe: z
    .boolean()
    .default(true)
    .describe('Subscriptions where the server allows; false reads on each poll.'),
});

export type OpcuaConnectionConfig = z.output<typeof opcuaConnection>;
