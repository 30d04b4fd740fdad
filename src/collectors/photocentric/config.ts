import { z } from 'zod';

/** `machines[].connection` of a Photocentric LCD printer run by Photonic3D. */
export const photocentricConnection = z.strictObject({
  host: z.string().min(1).describe('IP address or host name of the printer (its Photonic3D host).'),
  port: z.number().int().min(1).max(65_535).default(9091).describe("Photonic3D's port (printerHostPort)."),
  scheme: z.enum(['http', 'https']).default('http'),
  printer: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The printer\'s name in Photonic3D (its "configuration.name"); unset: the only printer the host lists.',
    ),
});

export type PhotocentricConnection = z.output<typeof photocentricConnection>;
