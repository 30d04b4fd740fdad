import { z } from 'zod';

/**
 * THE ADDIGURU HUB'S API, AS ASSUMED. Addiguru publishes no interface for its in-situ monitoring
 * hub, and none was found (README "Sources"): every path, field and state word below is a
 * plausible model, assumed, not checked against a machine. The only outside facts are the cloud's:
 * an installation has `ip_address`, `username` and `password`; an analysis has `addiguru_id`,
 * `printer`, `start_time`, `end_time`, `status`, `layer_count` ("a layer corresponds to an
 * indicator 1:1"); an anomaly has `layer_number`, `boundary`, `shape` ('rect' or 'contour'),
 * `anomaly_classification`, `is_anomaly`, `is_defect` (cloud-api-notes §6). It is all in this one
 * file so that it can be corrected against a real hub without touching the rest of the collector.
 *
 * Base: `http://<host>:<port>/api` (port 80 assumed); JSON everywhere; a bearer token from a
 * login (assumed). Loose objects: the hub may send more, and it all goes to the cloud.
 */

/** Every path Echo uses (assumed), under the base path. */
export const PATHS = {
  /** `POST {username, password}` → `{token, expires_in}`; 401 for a wrong user or password. */
  login: '/auth/login',
  /** The hub's own state and the printers it watches. */
  status: '/status',
  /**
   * Finished analyses, oldest first by `(end_time, id)`: those ending after `since` (ISO 8601),
   * or at `since` with an id greater than `after_id`; at most `limit`; `has_more`.
   */
  analyses: '/analyses',
  /** One analysis in full: per-layer indicators and anomalies. */
  analysis: (id: string) => `/analyses/${encodeURIComponent(id)}`,
} as const;

/** The hub's state words (assumed). */
export const HUB_STATES = ['idle', 'analysing', 'error'] as const;

/** An analysis' status words (assumed; the cloud keeps it "as an arbitrary string"). */
export const ANALYSIS_STATUSES = ['running', 'completed', 'aborted', 'failed'] as const;

const word = z.string().max(100);
const isoTime = z
  .string()
  .max(100)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time');
const id = z.union([z.string().min(1).max(200), z.number()]).transform(String);

export const loginReply = z.looseObject({
  token: z.string().min(1).max(10_000),
  /** Seconds the token is valid. */
  expires_in: z.number().min(0).nullish(),
});

/** `GET /status` (assumed). */
export const hubStatus = z.looseObject({
  hub: z
    .looseObject({
      name: z.string().max(500).nullish(),
      serial: z.string().max(200).nullish(),
      version: z.string().max(200).nullish(),
    })
    .nullish(),
  /** One of HUB_STATES; anything else is shown as `unknown` and logged. */
  state: word.nullish(),
  printers: z
    .array(z.looseObject({ id, name: z.string().max(500).nullish(), state: word.nullish() }))
    .max(10_000)
    .nullish(),
  /** Analyses under way. */
  active_analyses: z.number().int().min(0).nullish(),
  errors: z.array(z.string().max(10_000)).max(1000).nullish(),
});

/** The printer an analysis watched (assumed). */
const printer = z.looseObject({ id, name: z.string().max(500).nullish() });

/** An entry of `GET /analyses` (assumed). */
export const analysisSummary = z.looseObject({
  id,
  printer: printer.nullish(),
  status: word.nullish(),
  start_time: isoTime.nullish(),
  end_time: isoTime,
});

export const analysesPage = z.looseObject({
  analyses: z.array(analysisSummary).max(5000),
  has_more: z.boolean(),
});

/** A per-layer indicator (assumed): one per layer; the values are the hub's. */
export const indicator = z.looseObject({
  layer_number: z.number().int().min(0),
  start_time: isoTime.nullish(),
});

/** An anomaly (assumed) on one layer: where (boundary points, shape) and what. */
export const anomaly = z.looseObject({
  id: id.nullish(),
  layer_number: z.number().int().min(0),
  /** `[[x, y], ...]` in build-plate millimetres. */
  boundary: z.array(z.array(z.number()).max(3)).max(100_000).nullish(),
  /** `rect` or `contour`. */
  shape: word.nullish(),
  classification: z.string().max(500).nullish(),
  is_anomaly: z.boolean().nullish(),
  is_defect: z.boolean().nullish(),
});

/** `GET /analyses/<id>` (assumed). */
export const analysisDetail = analysisSummary.extend({
  build_name: z.string().max(500).nullish(),
  layer_count: z.number().int().min(0).nullish(),
  indicators: z.array(indicator).max(1_000_000).nullish(),
  anomalies: z.array(anomaly).max(1_000_000).nullish(),
});

export type HubStatus = z.infer<typeof hubStatus>;
export type AnalysisSummary = z.infer<typeof analysisSummary>;
export type AnalysisDetail = z.infer<typeof analysisDetail>;
