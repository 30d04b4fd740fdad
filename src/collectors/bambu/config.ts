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
  ftp_port: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .default(990)
    .describe("The printer's implicit-TLS FTP port, where start_job uploads the job file."),
  print_url: z
    .enum(['sdcard', 'ftp'])
    .default('sdcard')
    .describe(
      'How a .3mf job is named to the printer: file:///sdcard/<name> (X1, P1, A1) or ftp:///<name> (H2D, H2S).',
    ),
  username: z.string().min(1).default('bblp').describe('MQTT user; Bambu printers use "bblp".'),
  tls: tlsTrust,
  stale_after: z
    .number()
    .positive()
    .default(30)
    .describe('Seconds without a report before Echo asks for a full one (pushall) and then calls it silent.'),
});

export type BambuConnection = z.output<typeof bambuConnection>;
