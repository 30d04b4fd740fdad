import { z } from 'zod';

/**
 * THE JENI CELL'S API, AS ASSUMED. Photocentric publishes no interface for JENI: every path,
 * field and value below is a plausible model, not checked against a machine. It is all in this one
 * file so that it can be corrected against a real cell without touching the rest of the collector.
 *
 * Base: `<scheme>://<host>:<port>/api/v1` (port 8080 assumed). JSON everywhere; loose objects
 * (the cell may send more, and it all goes to the cloud in the capture); fields Echo can do
 * without are optional.
 */

/** Every path Echo uses, under `/api/v1`. */
export const PATHS = {
  /** The cell and its bays, each with the job it holds. */
  status: '/cluster/status',
  /** The presets, short form. */
  presets: '/presets',
  /** A preset's details: its process steps (the cloud's "JENI preset details endpoint"). */
  preset: (id: string) => `/presets/${encodeURIComponent(id)}`,
  /** One job, wherever it is (queued, in a bay, ended). */
  job: (id: string) => `/jobs/${encodeURIComponent(id)}`,
  /** Upload of a print file: `multipart/form-data`, field `file`; answers `{file_id}`. */
  files: '/files',
  /** A new job: `{file_id, preset_id, name}`; answers the job. */
  jobs: '/jobs',
  /** `POST`, no body; answers the job. */
  jobAction: (id: string, action: 'pause' | 'resume' | 'cancel') =>
    `/jobs/${encodeURIComponent(id)}/${action}`,
} as const;

/** A bay's state. */
export const BAY_STATES = [
  'idle',
  'printing',
  'washing',
  'curing',
  'paused',
  'error',
  'offline',
  'maintenance',
] as const;
/** The states of a bay at work. */
export const WORKING: readonly string[] = ['printing', 'washing', 'curing'];

/** A job's state. */
export const JOB_STATES = [
  'queued',
  'printing',
  'washing',
  'curing',
  'paused',
  'completed',
  'failed',
  'cancelled',
] as const;
/** The states of a job that ended. */
export const ENDED: readonly string[] = ['completed', 'failed', 'cancelled'];

const word = z.string().max(100);

/** A job, in a bay or alone (`GET /jobs/<id>`, `POST /jobs`). */
export const job = z.looseObject({
  id: z.string().min(1).max(200),
  name: z.string().max(500).nullish(),
  /** The preset's name. */
  preset: z.string().max(500).nullish(),
  state: word.nullish(),
  /** The step it is in: `print`, `wash`, `cure`. */
  step: word.nullish(),
  step_index: z.number().int().min(0).nullish(),
  steps_total: z.number().int().min(0).nullish(),
  /** 0 to 100, over the whole job. */
  progress: z.number().min(0).max(100).nullish(),
  elapsed_s: z.number().min(0).nullish(),
  remaining_s: z.number().min(0).nullish(),
  /** ISO 8601. */
  started_at: z.string().max(100).nullish(),
  error: z.string().max(10_000).nullish(),
});

export const bay = z.looseObject({
  id: z.string().min(1).max(100),
  /** `printer`, `wash` or `cure`. */
  kind: word.nullish(),
  name: z.string().max(500).nullish(),
  state: word.nullish(),
  error: z.string().max(10_000).nullish(),
  job: job.nullish(),
});

export const clusterStatus = z.looseObject({
  cluster: z
    .looseObject({
      name: z.string().max(500).nullish(),
      serial: z.string().max(200).nullish(),
      firmware: z.string().max(200).nullish(),
    })
    .nullish(),
  bays: z.array(bay),
});

export const presetList = z.array(
  z.looseObject({ id: z.string().min(1).max(200), name: z.string().min(1).max(500) }),
);

/** One process step of a preset (`print`, `wash`, `cure`) and its settings. */
export const presetStep = z.looseObject({
  type: word,
  name: z.string().max(500).nullish(),
  duration_s: z.number().min(0).nullish(),
  /** `print`: the resin and layer height. */
  resin: z.string().max(500).nullish(),
  layer_height_mm: z.number().nullish(),
  /** `wash`: the fluid. */
  fluid: z.string().max(500).nullish(),
  /** `cure`: the temperature. */
  temperature_c: z.number().nullish(),
});

export const presetDetails = z.looseObject({
  id: z.string().min(1).max(200),
  name: z.string().min(1).max(500),
  material: z.string().max(500).nullish(),
  steps: z.array(presetStep),
});

export const uploaded = z.looseObject({ file_id: z.string().min(1).max(200) });

export type Bay = z.infer<typeof bay>;
export type Job = z.infer<typeof job>;
export type ClusterStatus = z.infer<typeof clusterStatus>;
export type PresetDetails = z.infer<typeof presetDetails>;
export type PresetStep = z.infer<typeof presetStep>;
