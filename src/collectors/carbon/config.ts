import { z } from 'zod';

/**
 * `machines[].connection` of one Carbon printer, read through the Carbon API v1 of its account
 * (a JWT signed with the API key's secret: the client id is `credentials.username`, the client
 * secret `credentials.password_ref`).
 */
export const carbonConnection = z.strictObject({
  account: z
    .string()
    .min(1)
    .max(200)
    .describe('A name for the Carbon account; machines naming the same account share one poller.'),
  serial: z.string().min(1).max(200).describe("The printer's serial in the Carbon API."),
  api_url: z.url().default('https://api.carbon3d.com/v1').describe('The Carbon API base URL.'),
  token_minutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(60)
    .describe('Lifetime of the JWT Echo signs (exp), minutes; signed again before it expires.'),
  list_interval: z
    .number()
    .min(0.1)
    .max(3600)
    .default(15)
    .describe("Seconds between two reads of the account's printer list, whatever the number of machines."),
  request_timeout: z.number().min(1).max(300).default(20).describe('Seconds for one read of the account.'),
});

export type CarbonConnection = z.output<typeof carbonConnection>;
