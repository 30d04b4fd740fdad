import { z } from 'zod';

/** What the Carbon API v1 sends, validated at the boundary (loose: new fields pass). */

const text = (max = 500) => z.string().max(max);

/** A print as `Printer.prints` shows it (ModelPrint). */
export const modelPrint = z.looseObject({
  name: text().nullish(),
  print_id: text(200).nullish(),
  build_uuid: text(200).nullish(),
  started_at: text(100).nullish(),
  finished_at: text(100).nullish(),
  remaining_sec: z.number().min(0).max(1e9).nullish(),
});

/** One printer of `GET /printers` (and `GET /printers/<serial>`). */
export const printer = z.looseObject({
  serial: text(200).min(1),
  name: text().nullish(),
  hw_type: text(100).nullish(),
  updated_at: text(100).nullish(),
  status: z
    .looseObject({
      printer_state: text(100).nullish(),
      alerts: z.array(text(1000)).max(200).nullish(),
      software_version: text(100).nullish(),
    })
    .nullish(),
  prints: z
    .looseObject({
      last: modelPrint.nullish(),
      current: modelPrint.nullish(),
      next: modelPrint.nullish(),
      queue_length: z.number().int().min(0).max(1e6).nullish(),
    })
    .nullish(),
});

/** `GET /printers`: `{limit, offset, total_count, printers}`. */
export const printersResponse = z.looseObject({
  total_count: z.number().int().min(0).nullish(),
  printers: z.array(printer).max(10_000),
});

/** One print of `GET /prints` (the ModelPrint fields, and the printer it ran on: assumed, see README). */
export const historicPrint = modelPrint.extend({
  print_id: text(200).min(1),
  printer_serial: text(200).nullish(),
  status: text(100).nullish(),
});

/** `GET /prints`: `{limit, offset, total_count, prints}`. */
export const printsResponse = z.looseObject({
  total_count: z.number().int().min(0).nullish(),
  prints: z.array(historicPrint).max(10_000),
});

export type Printer = z.infer<typeof printer>;
export type HistoricPrint = z.infer<typeof historicPrint>;
export type ModelPrint = z.infer<typeof modelPrint>;
