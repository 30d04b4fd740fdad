import { z } from 'zod';

/** `machines[].connection` of a Stratasys printer through its MTConnect agent. */
export const stratasysConnection = z.strictObject({
  url: z
    .url({
      protocol: /^https?$/,
      error: 'must be the MTConnect agent URL, e.g. "http://192.168.10.70:5000/"',
    })
    .describe('Base URL of the MTConnect agent (serving /probe, /current, /sample).'),
  device: z.string().min(1).optional().describe('Device name when the agent serves several printers.'),
  sample_count: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe('Observations per /sample request.'),
});

export type StratasysConnection = z.output<typeof stratasysConnection>;
