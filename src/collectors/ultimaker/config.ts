import { z } from 'zod';

/** `machines[].connection` of an Ultimaker printer. */
export const ultimakerConnection = z.strictObject({
  host: z.string().min(1).describe('IP address or host name of the printer.'),
  port: z.number().int().min(1).max(65_535).default(80),
  scheme: z.enum(['http', 'https']).default('http'),
  serial_number: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The printer's serial number (on its label); the local API does not report it, so without this it stays unknown.",
    ),
});

export type UltimakerConnection = z.output<typeof ultimakerConnection>;
