import { z } from 'zod';

/**
 * `machines[].connection` of one Formlabs printer: through the Formlabs Web API (a fleet on one
 * cloud account; the client id is `credentials.username`, the client secret `credentials.password_ref`)
 * or, for a shop with no cloud account, through the local PreFormServer.
 */
export const formlabsConnection = z
  .strictObject({
    mode: z
      .enum(['cloud', 'local'])
      .default('cloud')
      .describe(
        'cloud: the Formlabs Web API (OAuth2 client credentials); local: a PreFormServer on this network.',
      ),
    account: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('cloud: a name for the Formlabs account; machines naming the same account share one poller.'),
    serial: z.string().min(1).max(200).describe('The printer serial (e.g. "Form4-CapableLizard").'),
    api_url: z
      .url()
      .default('https://api.formlabs.com/developer/v1')
      .describe('cloud: the Web API base URL.'),
    local_url: z.url().default('http://localhost:44388').describe('local: the PreFormServer URL.'),
    list_interval: z
      .number()
      .min(0.1)
      .max(3600)
      .default(15)
      .describe("Seconds between two reads of the account's printer list, whatever the number of machines."),
    request_timeout: z.number().min(1).max(300).default(20).describe('Seconds for one read of the account.'),
  })
  .refine((c) => c.mode === 'local' || c.account !== undefined, {
    message: 'cloud mode needs "account" (a name shared by the machines of one Formlabs account)',
    path: ['account'],
  });

export type FormlabsConnection = z.output<typeof formlabsConnection>;
