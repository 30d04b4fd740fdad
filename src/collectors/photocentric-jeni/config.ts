import { z } from 'zod';

/** `machines[].connection` of a Photocentric JENI cell (its API is assumed: see README). */
export const photocentricJeniConnection = z.strictObject({
  host: z.string().min(1).describe('IP address or host name of the JENI cell controller.'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .default(8080)
    .describe("The cell's HTTP port (assumed default 8080)."),
  scheme: z.enum(['http', 'https']).default('http'),
});

export type PhotocentricJeniConnection = z.output<typeof photocentricJeniConnection>;
