import { z } from 'zod';

/**
 * The parts of the Ultimaker local API (`http://<printer>/api/v1/`, firmware 5.x, S-series and
 * UM3) that Echo reads. Loose objects: the printer sends more fields than Echo needs. Statuses and
 * job states are plain strings: a firmware with a value Echo does not know (`wait_for_peripherals`,
 * a future one) is mapped to `unknown` (map.ts), never a schema failure.
 */
const temperature = z.object({ current: z.number(), target: z.number() });

export const printerDoc = z.object({
  status: z.string(),
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
  state: z.string(),
  progress: z.number().min(0).max(1),
  time_elapsed: z.number().min(0),
  time_total: z.number().min(0),
  datetime_started: z.string().nullish(),
  result: z.string().nullish(),
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

/**
 * One finished job of `GET /history/print_jobs` (loose: the record goes to the cloud as the
 * printer sent it). Times are the printer's local time without a zone (see printer-time.ts).
 */
export const historicJobDoc = z.looseObject({
  uuid: z.string().min(1),
  name: z.string(),
  datetime_started: z.string().nullish(),
  datetime_finished: z.string().nullish(),
  datetime_cleaned: z.string().nullish(),
  result: z.string().nullish(),
  time_elapsed: z.number().nullish(),
  time_total: z.number().nullish(),
});

export const historicJobsDoc = z.array(historicJobDoc);

export type PrinterDoc = z.infer<typeof printerDoc>;
export type PrintJobDoc = z.infer<typeof printJobDoc>;
export type SystemDoc = z.infer<typeof systemDoc>;
export type HistoricJobDoc = z.infer<typeof historicJobDoc>;
