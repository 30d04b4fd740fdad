import { z } from 'zod';

/**
 * The parts of the Ultimaker local API (`http://<printer>/api/v1/`, firmware 5.x, S-series and
 * UM3) that Echo reads. Loose objects: the printer sends more fields than Echo needs.
 */
const temperature = z.object({ current: z.number(), target: z.number() });

export const printerDoc = z.object({
  status: z.enum(['idle', 'printing', 'error', 'maintenance', 'booting']),
  bed: z.object({ temperature, type: z.string().optional() }),
  heads: z.array(
    z.object({
      extruders: z.array(z.object({ hotend: z.object({ id: z.string().optional(), temperature }) })),
    }),
  ),
});

export const printJobDoc = z.object({
  name: z.string(),
  uuid: z.string(),
  state: z.enum([
    'none',
    'printing',
    'pausing',
    'paused',
    'resuming',
    'pre_print',
    'post_print',
    'wait_cleanup',
    'wait_user_action',
  ]),
  progress: z.number().min(0).max(1),
  time_elapsed: z.number().min(0),
  time_total: z.number().min(0),
  datetime_started: z.string().optional(),
  result: z.string().optional(),
});

export const systemDoc = z.object({
  firmware: z.string(),
  name: z.string().optional(),
  guid: z.string().optional(),
  variant: z.string().optional(),
});

export const historyEventsDoc = z.array(
  z.object({
    time: z.string(),
    type_id: z.number(),
    message: z.string(),
    parameters: z.array(z.string()).optional(),
  }),
);

export type PrinterDoc = z.infer<typeof printerDoc>;
export type PrintJobDoc = z.infer<typeof printJobDoc>;
export type SystemDoc = z.infer<typeof systemDoc>;
