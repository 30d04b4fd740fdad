import { z } from 'zod';

/** `machines[].connection` of an HP Multi Jet Fusion printer (its API is assumed: see README). */
export const hpMjfConnection = z.strictObject({
  host: z.string().min(1).describe('IP address or host name of the printer.'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .default(80)
    .describe("The printer's HTTP port (assumed default 80)."),
  base_path: z
    .string()
    .startsWith('/')
    .default('/api/v1')
    .describe('Path of the API on the printer (assumed).'),
});

export type HpMjfConnection = z.output<typeof hpMjfConnection>;
