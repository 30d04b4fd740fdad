import { z } from 'zod';

/**
 * THE HP MULTI JET FUSION PRINTER'S API, AS ASSUMED. HP publishes no local interface for Jet Fusion
 * printers (HP SmartStream 3D Command Center and the HP 3D Center are HP's own clients; nothing public
 * was found, see README "Sources"): every path, field and state word below is a plausible model,
 * assumed, not checked against a machine. It is all in this one file so that it can be corrected
 * against a real printer without touching the rest of the collector.
 *
 * Base: `http://<host>:<port>/api/v1` (port 80 assumed); JSON; HTTP Basic when the machine has
 * credentials (assumed). Loose objects: the printer may send more, and it all goes to the cloud in
 * the capture; fields Echo can do without are optional.
 */

/** Every path Echo uses (assumed), under `/api/v1`. */
export const PATHS = {
  /** The printer, its state, its job, its materials and alerts. */
  status: '/status',
} as const;

/**
 * The printer's state words (assumed). `warming_up` precedes a print, `cooling` follows it (the
 * build unit cools in the printer before it can be taken out).
 */
export const PRINTER_STATES = [
  'idle',
  'ready',
  'warming_up',
  'printing',
  'cooling',
  'paused',
  'error',
  'maintenance',
] as const;

/** A job's state words (assumed); the last three are ended jobs the printer still shows. */
export const JOB_STATES = ['printing', 'cooling', 'paused', 'completed', 'aborted', 'failed'] as const;

const word = z.string().max(100);

/** A material slot (assumed): fusing/detailing agents, powder, printhead cleaning roll. */
export const material = z.looseObject({
  /** e.g. `fusing_agent`, `detailing_agent`, `powder`, `cleaning_roll`. */
  slot: z.string().min(1).max(100),
  name: z.string().max(500).nullish(),
  /** 0 to 100. */
  level_percent: z.number().min(0).max(100).nullish(),
});

/** An alert (assumed): `severity` is `info`, `warning` or `error`. */
export const alert = z.looseObject({
  code: z.string().max(100).nullish(),
  severity: word.nullish(),
  message: z.string().max(10_000).nullish(),
});

/** The job the printer shows (assumed). */
export const job = z.looseObject({
  id: z.union([z.string().min(1).max(200), z.number()]).transform(String),
  name: z.string().max(500).nullish(),
  state: word.nullish(),
  /** 0 to 100. */
  progress: z.number().min(0).max(100).nullish(),
  current_layer: z.number().int().min(0).nullish(),
  total_layers: z.number().int().min(0).nullish(),
  elapsed_s: z.number().min(0).nullish(),
  remaining_s: z.number().min(0).nullish(),
});

/** `GET /api/v1/status` (assumed). */
export const printerStatus = z.looseObject({
  printer: z
    .looseObject({
      serial: z.string().max(200).nullish(),
      model: z.string().max(200).nullish(),
      firmware: z.string().max(200).nullish(),
      name: z.string().max(500).nullish(),
    })
    .nullish(),
  /** One of PRINTER_STATES; anything else is shown as `unknown` and logged. */
  state: word.nullish(),
  job: job.nullish(),
  materials: z.array(material).max(1000).nullish(),
  alerts: z.array(alert).max(10_000).nullish(),
});

export type PrinterStatus = z.infer<typeof printerStatus>;
export type PrinterJob = z.infer<typeof job>;
