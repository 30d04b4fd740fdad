import { z } from 'zod';

/**
 * `machines[].connection` of an Addiguru hub (its API is assumed: see README). The user is
 * `credentials.username`, the password `credentials.password_ref`.
 */
export const addiguruConnection = z.strictObject({
  host: z.string().min(1).describe("The hub's IP address or host name (the installation's ip_address)."),
  port: z.number().int().min(1).max(65_535).default(80).describe("The hub's HTTP port (assumed default 80)."),
  base_path: z.string().startsWith('/').default('/api').describe('Path of the API on the hub (assumed).'),
});

export type AddiguruConnection = z.output<typeof addiguruConnection>;
