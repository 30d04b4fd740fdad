import { z } from 'zod';
import { listOrPage } from '../sdk/list-or-page.ts';

/** What the Formlabs Web API and PreFormServer send, validated at the boundary (loose: new fields pass). */

const text = (max = 500) => z.string().max(max);
const count = z.number().int().min(0).max(10_000_000);
const ms = z.number().min(0).max(1e12);

/** `printer_status.current_print_run`: the job on the printer (running or just ended). */
export const printRun = z.looseObject({
  guid: text(200).nullish(),
  name: text().nullish(),
  status: text(100).nullish(),
  currently_printing_layer: count.nullish(),
  layer_count: count.nullish(),
  estimated_time_remaining_ms: ms.nullish(),
  elapsed_duration_ms: ms.nullish(),
  print_started_at: text(100).nullish(),
  material: text(200).nullish(),
});

/** One printer of `GET /printers/` (and `GET /printers/<serial>/`). */
export const webPrinter = z.looseObject({
  serial: text(200).min(1),
  alias: text().nullish(),
  machine_type_id: text(100).nullish(),
  firmware_version: text(100).nullish(),
  printer_status: z
    .looseObject({
      status: text(100).nullish(),
      last_pinged_at: text(100).nullish(),
      current_print_run: printRun.nullish(),
    })
    .nullish(),
});

/** `GET /printers/`: a list, or a page of one (`results`). */
export const webPrinters = listOrPage(webPrinter, ['results']);

/**
 * `GET /printers/` as one page of the account's printers: a page (`count`, `next`, `previous`,
 * `results`, as every Web API list), whose `next` the read follows, or a bare list (the only page).
 */
export const webPrintersPage = z.preprocess(
  (value) => (Array.isArray(value) ? { results: value, next: null } : value),
  z.looseObject({ next: text(4000).nullish(), results: webPrinters }),
);

/** One print of `GET /prints/` (the account's print history; fields of the Web API reference). */
export const webPrint = z.looseObject({
  guid: text(200).min(1),
  name: text().nullish(),
  printer: text(200).nullish(),
  status: text(100).nullish(),
  material: text(200).nullish(),
  layer_count: count.nullish(),
  print_started_at: text(100).nullish(),
  print_finished_at: text(100).nullish(),
  elapsed_duration_ms: ms.nullish(),
});

/** `GET /prints/`: a page (`count`, `next`, `previous`, `results`), or a bare list. */
export const webPrints = z.union([
  z.looseObject({
    count: z.number().int().min(0).nullish(),
    next: text(4000).nullish(),
    results: z.array(webPrint).max(10_000),
  }),
  z
    .array(webPrint)
    .max(10_000)
    .transform((results) => ({ results, next: null })),
]);

/** `POST /o/token/` (OAuth2 client credentials). */
export const tokenReply = z.looseObject({
  access_token: text(4096).min(1),
  token_type: text(50).optional(),
  expires_in: z.number().min(1).max(31_536_000).optional(),
});

/** One device of PreFormServer's `GET /devices/` (assumed fields, see README). */
export const localDevice = z.looseObject({
  id: text(200).min(1),
  product_name: text(200).nullish(),
  status: text(100).nullish(),
  is_connected: z.boolean().nullish(),
  firmware_version: text(100).nullish(),
  connection_type: text(50).nullish(),
  ip_address: text(100).nullish(),
});

export const localDevices = listOrPage(localDevice, ['devices']);

export type WebPrinter = z.infer<typeof webPrinter>;
export type WebPrintersPage = z.infer<typeof webPrintersPage>;
export type PrintRun = z.infer<typeof printRun>;
export type WebPrint = z.infer<typeof webPrint>;
export type LocalDevice = z.infer<typeof localDevice>;

/** A printer as the collector sees it: from the Web API or from PreFormServer. */
export type FormlabsPrinter =
  | { source: 'web'; printer: WebPrinter }
  | { source: 'local'; device: LocalDevice };
