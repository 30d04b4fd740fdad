import { z } from 'zod';

/** What the Eiger API v3 sends, validated at the boundary (loose: new fields pass). */

const text = (max = 500) => z.string().max(max);

/** `active_job` of a device: the print job on it (assumed fields, see README). */
export const activeJob = z.looseObject({
  id: text(200),
  name: text().nullish(),
  build_name: text().nullish(),
  status: text(100).nullish(),
  /** 0 to 1 (assumed). */
  progress: z.number().min(0).max(1).nullish(),
  started_at: text(100).nullish(),
  estimated_end_at: text(100).nullish(),
  current_layer: z.number().int().min(0).max(10_000_000).nullish(),
  total_layers: z.number().int().min(0).max(10_000_000).nullish(),
});

/** One device of `GET /devices` (and `GET /devices/<id>`). */
export const device = z.looseObject({
  id: text(200).min(1),
  name: text().nullish(),
  serial: text(200).nullish(),
  type: text(100).nullish(),
  status: text(100).nullish(),
  firmware_version: text(100).nullish(),
  active_job: activeJob.nullish(),
});

/** `GET /devices`: a list, or a page of one. */
export const devices = z.union([
  z.array(device).max(10_000),
  z.looseObject({ results: z.array(device).max(10_000) }).transform((page) => page.results),
  z.looseObject({ devices: z.array(device).max(10_000) }).transform((page) => page.devices),
]);

export type Device = z.infer<typeof device>;
export type ActiveJob = z.infer<typeof activeJob>;
