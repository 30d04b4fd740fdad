import { z } from 'zod';
import { machineSnapshot } from '../model/machine-snapshot.ts';
import { networkCheckSchema } from './wire-network.ts';

/**
 * `GET /api/v1/status` and its parts, as they travel (JSON: a field the core leaves `undefined` is
 * absent, hence `.optional()` where the core's type says `| undefined`). The core's values must
 * stay assignable to these types: `core/api/agent-port.ts` takes them from here.
 */

const counts = z.record(z.string(), z.number());

export const backlogCountsSchema = z.object({
  captures: z.object({
    pending: z.number(),
    created: z.number(),
    uploaded: z.number(),
    acknowledged: z.number(),
    dead: z.number(),
  }),
  logs: z.object({ pending: z.number(), sent: z.number(), dead: z.number() }),
  machineStatus: z.object({ pending: z.number() }),
});
export type BacklogCounts = z.infer<typeof backlogCountsSchema>;

/** The cloud side of the status: sign-in, registration, reachability and health. */
export const syncStatusSchema = z.object({
  auth: z.enum(['signed_out', 'signed_in', 'needs_sign_in']),
  authError: z.string().optional(),
  registered: z.boolean(),
  eccoUri: z.string().optional(),
  enabled: z.boolean(),
  reachable: z.boolean(),
  lastSyncAt: z.string().optional(),
  lastError: z.string().optional(),
  retryingAt: z.string().optional(),
  health: z.object({ health: z.enum(['healthy', 'degraded', 'unknown']), reasons: z.array(z.string()) }),
  lastHealthReportAt: z.string().optional(),
  waitingForModeler: z.array(z.string()),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const storeAlertSchema = z.object({
  id: z.number(),
  kind: z.string(),
  message: z.string(),
  detail: z.unknown(),
  createdAt: z.string(),
});
export type StoreAlert = z.infer<typeof storeAlertSchema>;

const refusedSchema = z.object({ captures: z.number(), logs: z.number(), statuses: z.number() });

export const storeConditionSchema = z.object({
  state: z.enum(['ok', 'disk_full', 'unwritable']),
  since: z.string().optional(),
  freeBytes: z.number().optional(),
  reason: z.string().optional(),
  action: z.string().optional(),
  message: z.string().optional(),
  refused: refusedSchema.optional(),
});
export type StoreCondition = z.infer<typeof storeConditionSchema>;

/** The normalized machine model, as it travels (one schema with the collector SDK's). */
export const machineSnapshotSchema = machineSnapshot;

/** The live side of a machine collected here: snapshot, connection, counts. */
export const machineLiveSchema = z.object({
  snapshot: machineSnapshotSchema,
  connected: z.boolean(),
  lastSeenAt: z.string().optional(),
  lastError: z.string().optional(),
  failingSince: z.string().optional(),
  polls: z.number(),
  failures: z.number(),
  capturesStored: z.number(),
  loopBlocked: z.object({ count: z.number(), longestMs: z.number(), lastAt: z.string() }).optional(),
  faults: z.number().optional(),
  storeRefused: z.number().optional(),
});
export type MachineLive = z.infer<typeof machineLiveSchema>;

export const historyProgressSchema = z.object({
  running: z.boolean(),
  watermark: z.string().optional(),
  cloudWatermark: z.string().optional(),
  collectedThisRun: z.number(),
  lastRunAt: z.string().optional(),
  lastError: z.string().optional(),
});

export const machineOriginSchema = z.enum(['config', 'ui', 'cloud']);
export type MachineOrigin = z.infer<typeof machineOriginSchema>;

export const machineSummarySchema = z.object({
  name: z.string(),
  collector: z.string(),
  origin: machineOriginSchema,
  modeler: z.string().optional(),
  status: z
    .object({
      id: z.number(),
      machine: z.string(),
      state: z.string(),
      connected: z.boolean(),
      error: z.string().nullable(),
      /** Why the machine failed, when it did: its collector's failure kind. */
      failure: z.string().nullable(),
      observedAt: z.number(),
    })
    .optional(),
  live: machineLiveSchema.optional(),
  history: historyProgressSchema.optional(),
  backlog: z.number(),
});
export type MachineSummary = z.infer<typeof machineSummarySchema>;

export const sleepGapSchema = z.object({
  from: z.string(),
  to: z.string(),
  seconds: z.number(),
  kind: z.enum(['paused', 'suspended']),
});
export type SleepGap = z.infer<typeof sleepGapSchema>;

/**
 * Updates from the cloud's `/installer/` feed (docs/security.md, "Updates"): the running version,
 * the newest newer one for this platform, and where the check or download stands.
 */
export const updateStatusSchema = z.object({
  current: z.string(),
  /** Why the cloud is not asked (`updates.check: off`, a desktop update feed, a platform without builds). */
  off: z.string().optional(),
  available: z
    .object({
      version: z.string(),
      platform: z.enum(['mac', 'windows']),
      architecture: z.enum(['x86', 'amd64']),
      type: z.enum(['exe', 'msi']),
    })
    .optional(),
  state: z.enum(['idle', 'checking', 'downloading', 'ready', 'failed']),
  error: z.string().optional(),
  checkedAt: z.string().optional(),
  /** `ready`: the downloaded file, inside `<data_dir>/updates/`. */
  file: z.string().optional(),
  /** `ready`: how it was verified: `sha256` (the listing's checksum), or `signature` (left to the shell's Authenticode check). */
  verifiedBy: z.enum(['sha256', 'signature', 'none']).optional(),
});
export type UpdateStatus = z.infer<typeof updateStatusSchema>;

export const collectionStateSchema = z.enum([
  'running',
  'paused_by_cloud',
  'paused_by_operator',
  'paused_store_full',
]);

/** Everything `status` shows; also the body of `GET /api/v1/status` and of each `status` event. */
export const agentStatusSchema = z.object({
  /** The proxy check at start (docs/network.md); absent until it ran, or with cloud.check_network off. */
  network: networkCheckSchema.optional(),
  version: z.string(),
  workstationName: z.string(),
  startedAt: z.string(),
  dataDir: z.string(),
  collection: collectionStateSchema,
  cloud: syncStatusSchema.extend({ url: z.string() }),
  backlog: backlogCountsSchema,
  counters: counts,
  store: z.object({
    usedBytes: z.number(),
    maxBytes: z.number(),
    path: z.string(),
    secretStore: z.string(),
    condition: storeConditionSchema,
    refusedWhileFull: refusedSchema,
  }),
  alerts: z.array(storeAlertSchema),
  /** Remote commands: open ones, those awaiting the operator (the header's badge), unreported ends. */
  commands: z
    .object({
      open: z.number(),
      awaitingConfirmation: z.number(),
      unreported: z.number(),
      /** The commands waiting for the operator, oldest first: what the badge and the tray name. */
      awaiting: z.array(
        z.object({ id: z.number(), machine: z.string(), type: z.string(), confirmBy: z.string().optional() }),
      ),
    })
    .optional(),
  machines: z.array(machineSummarySchema),
  pollLag: z
    .object({
      count: z.number(),
      sumMs: z.number(),
      p50Ms: z.number(),
      p99Ms: z.number(),
      maxMs: z.number(),
      buckets: z.array(z.object({ le: z.union([z.number(), z.literal('+Inf')]), count: z.number() })),
    })
    .optional(),
  eventLoop: z
    .object({
      stalls: z.number(),
      lastStall: z.object({ at: z.string(), ms: z.number(), machine: z.string().optional() }).optional(),
    })
    .optional(),
  asleep: z.array(sleepGapSchema).optional(),
  /** Updates from the cloud's `/installer/` feed. */
  update: updateStatusSchema.optional(),
});
export type AgentStatus = z.infer<typeof agentStatusSchema>;

/**
 * `event: delta` of `GET /api/v1/events?deltas=1`: the status without the full machine list.
 * `seen` names every machine, in order, with when it was last heard (which changes every poll;
 * pairs, not an object: an object would put names like "42" first); `changed` holds the machines
 * whose anything else changed since the previous event.
 */
export const statusDeltaSchema = agentStatusSchema.omit({ machines: true }).extend({
  seen: z.array(z.tuple([z.string(), z.string().nullable()])),
  changed: z.array(machineSummarySchema),
});

/** The delta event as the core sends it. */
export type StatusDelta = z.infer<typeof statusDeltaSchema>;

/**
 * The same delta over other status and machine shapes, so that the UI can merge it into the views
 * it keeps (they extend the wire types).
 */
export type StatusDeltaOf<S extends { machines: M[] }, M> = Omit<S, 'machines'> & {
  seen: Array<[name: string, lastSeenAt: string | null]>;
  changed: M[];
};
