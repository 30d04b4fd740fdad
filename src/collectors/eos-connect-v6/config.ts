import { z } from 'zod';
import { tlsTrust } from '../sdk/pinned-tls.ts';

/** `machines[].connection` of an EOS machine with the EOSCONNECT v6 web API. */
export const eosConnectV6Connection = z.strictObject({
  host: z.string().min(1).describe('Host name or IP of the machine PC, e.g. "si2381".'),
  port: z.number().int().min(1).max(65_535).default(443),
  base_path: z.string().startsWith('/').default('/api/v6').describe('Path of the API on the machine.'),
  tls: tlsTrust,
});

export type EosConnectV6Connection = z.output<typeof eosConnectV6Connection>;
