import { z } from 'zod';
import { listOrPage } from '../sdk/list-or-page.ts';

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
export const devices = listOrPage(device, ['results', 'devices']);

/** One job of `GET /print_jobs` (assumed fields, see README: the Eiger reference does not publish them). */
export const printJob = z.looseObject({
  id: text(200).min(1),
  name: text().nullish(),
  build_name: text().nullish(),
  status: text(100).nullish(),
  /** The device id (or serial) it ran on. */
  device: text(200).nullish(),
  started_at: text(100).nullish(),
  finished_at: text(100).nullish(),
  ended_at: text(100).nullish(),
});

/** `GET /print_jobs`: a list, or a page (`results`/`print_jobs` and `next`). */
export const printJobs = z.union([
  z
    .array(printJob)
    .max(10_000)
    .transform((jobs) => ({ jobs, next: null as string | null })),
  z
    .looseObject({ results: z.array(printJob).max(10_000), next: text(4000).nullish() })
    .transform((page) => ({ jobs: page.results, next: page.next ?? null })),
  z
    .looseObject({ print_jobs: z.array(printJob).max(10_000), next: text(4000).nullish() })
    .transform((page) => ({ jobs: page.print_jobs, next: page.next ?? null })),
]);

export type Device = z.infer<typeof device>;
export type PrintJob = z.infer<typeof printJob>;
export type ActiveJob = z.infer<typeof activeJob>;
