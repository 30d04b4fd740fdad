import { z } from 'zod';
import { tlsTrust } from '../sdk/pinned-tls.ts';

/** `machines[].connection` of a Bambu Lab printer in LAN mode. */
export const bambuConnection = z.strictObject({
  host: z.string().min(1).describe('IP address or host name of the printer.'),
  port: z.number().int().min(1).max(65_535).default(8883).describe("The printer's MQTT-over-TLS port."),
  serial: z
    .string()
    .regex(
      /^[0-9A-Z]{8,20}$/,
      'must be the printer serial number, e.g. "01S00C123456789" (Settings → Device)',
    )
    .describe('Printer serial number: the MQTT topics are device/<serial>/report and /request.'),
  username: z.string().min(1).default('bblp').describe('MQTT user; Bambu printers use "bblp".'),
  tls: tlsTrust,
  stale_after: z
    .number()
    .positive()
    .default(30)
    .describe('Seconds without a report before Echo asks for a full one (pushall) and then calls it silent.'),
});

export type BambuConnection = z.output<typeof bambuConnection>;
