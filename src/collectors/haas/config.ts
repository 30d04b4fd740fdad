import { z } from 'zod';

const serialSettings = z.strictObject({
  path: z.string().min(1).describe('The port: /dev/ttyUSB0, /dev/serial/by-id/…, COM3.'),
  baud_rate: z.number().int().positive().default(9600),
  data_bits: z.union([z.literal(7), z.literal(8)]).default(7),
  parity: z.enum(['none', 'even', 'odd']).default('even'),
  stop_bits: z.union([z.literal(1), z.literal(2)]).default(1),
});

/** `machines[].connection` of a Haas control: RS-232 or Ethernet, and the macros to read. */
export const haasConnection = z
  .strictObject({
    transport: z.enum(['serial', 'tcp']).describe('RS-232 (serial) or the Ethernet Q-command port (tcp).'),
    serial: serialSettings
      .optional()
      .describe('Port settings; they must match the control (Settings 11–13, 37).'),
    host: z.string().min(1).optional().describe('With tcp: the control’s IP address.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .default(5051)
      .describe('With tcp: the Q-command port (Setting 143).'),
    macros: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case, e.g. "spindle_speed"'),
          variable: z.number().int().min(1).max(99_999),
          unit: z.string().default(''),
        }),
      )
      .default([{ name: 'spindle_speed', variable: 3027, unit: 'rpm' }])
      .describe('Macro variables read with ?Q600 as gauges (#3027 is the spindle speed).'),
  })
  .superRefine((c, ctx) => {
    if (c.transport === 'serial' && !c.serial) {
      ctx.addIssue({ code: 'custom', path: ['serial'], message: 'transport "serial" needs serial.path' });
    }
    if (c.transport === 'tcp' && !c.host) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'transport "tcp" needs host' });
    }
  });

export type HaasConnection = z.output<typeof haasConnection>;
