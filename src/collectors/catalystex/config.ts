import { z } from 'zod';

/** `machines[].connection` of a CatalystEX-era Stratasys printer (uPrint, Dimension, Fortus). */
export const catalystexConnection = z.strictObject({
  host: z
    .string()
    .min(1)
    .describe('The printer’s IP address or host name (as in CatalystEX’s printer list).'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .default(53742)
    .describe('The printer’s status port (53742 on every known model).'),
});

export type CatalystexConnection = z.output<typeof catalystexConnection>;
