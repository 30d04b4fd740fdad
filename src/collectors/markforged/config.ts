import { z } from 'zod';

/**
 * `machines[].connection` of one Markforged printer, read through the Eiger API v3 of its
 * organization (HTTP Basic: the API access key is `credentials.username`, the secret key
 * `credentials.password_ref`).
 */
export const markforgedConnection = z.strictObject({
  account: z
    .string()
    .min(1)
    .max(200)
    .describe('A name for the Eiger organization; machines naming the same account share one poller.'),
  serial: z
    .string()
    .min(1)
    .max(200)
    .describe("The printer's serial number in Eiger (its device id is accepted too)."),
  api_url: z.url().default('https://www.eiger.io/api/v3').describe('The Eiger API base URL.'),
  list_interval: z
    .number()
    .min(0.1)
    .max(3600)
    .default(15)
    .describe(
      "Seconds between two reads of the organization's device list, whatever the number of machines.",
    ),
  request_timeout: z.number().min(1).max(300).default(20).describe('Seconds for one read of the account.'),
});

export type MarkforgedConnection = z.output<typeof markforgedConnection>;
