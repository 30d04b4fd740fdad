import { z } from 'zod';
import { COMMAND_TYPES, DEFAULT_ALLOWED_COMMANDS } from '../model/commands.ts';
import { cloudSchema, secretRef } from './cloud-schema.ts';

export { apiTokenSchema, cloudSchema, proxySchema, secretRef } from './cloud-schema.ts';

/**
 * The one source of Echo's configuration: the TypeScript type, the defaults and the validation all
 * come from this schema, and `docs/config.schema.json` is generated from it (`npm run schema`).
 * Keys are snake_case because operators write them in YAML. Every object is strict: an unknown key
 * is an error (a typo must not silently fall back to a default).
 */

const seconds = (def: number, min = 1) => z.number().int().min(min).max(86_400).default(def);

export const intervalsSchema = z.strictObject({
  health: seconds(60).describe('Seconds between health reports (PUT /ecco/<uuid>/).'),
  logs_flush: seconds(30).describe('Seconds between log batches to /logs/.'),
  status_report: seconds(10).describe('Seconds between checks for machine status changes to report.'),
  machines_refresh: seconds(600).describe('Seconds between reads of the cloud machine list (GET /modeler/).'),
  command_poll: seconds(30).describe(
    'Seconds between polls of /modeler-command/ for new commands, besides the event stream (which misses what is sent while it is disconnected).',
  ),
  preset_sync: seconds(300).describe(
    'Seconds between syncs of the machines’ printing presets with /modeler-printing-preset/ (machines whose collector reads presets).',
  ),
  asleep_after: seconds(5).describe(
    'Seconds Echo may not run (its process paused, the PC asleep) before it counts as asleep: every machine is polled again on a new connection, polls that failed across the gap are not machine failures, and the gap shows in the machines’ history. Keep it below the machines’ timeout.',
  ),
});

export const storeSchema = z.strictObject({
  max_size_mb: z
    .number()
    .min(1)
    .max(1_048_576)
    .default(2048)
    .describe('Cap on the database plus blob files.'),
  when_full: z
    .enum(['drop_oldest_captures', 'stop_collecting'])
    .default('drop_oldest_captures')
    .describe(
      'At the cap or on a full disk: drop the oldest unsent captures, or refuse new ones (collection pauses) until there is room.',
    ),
  min_free_mb: z
    .number()
    .min(0)
    .max(1_048_576)
    .default(64)
    .describe(
      'Free space Echo leaves on the data folder’s disk: below it the store behaves as on a full disk (store.when_full), before the OS refuses a write.',
    ),
  reserve_mb: z
    .number()
    .min(0)
    .max(4096)
    .default(32)
    .describe(
      'Ballast file kept beside the database and deleted when the disk fills, so that sending (which frees space) can go on.',
    ),
  recheck_interval_s: z
    .number()
    .min(1)
    .max(3600)
    .default(10)
    .describe(
      'While the disk is full or the store cannot be written, how often Echo looks whether it can write again.',
    ),
  retention_hours: z
    .number()
    .min(0)
    .max(8760)
    .default(24)
    .describe('How long acknowledged records are kept locally before they are deleted.'),
  inline_content_max_kb: z
    .number()
    .int()
    .min(1)
    .max(65_536)
    .default(256)
    .describe('Capture content larger than this is written to a blob file and streamed from disk.'),
  startup_check_max_mb: z
    .number()
    .min(0)
    .default(256)
    .describe('Databases up to this size get PRAGMA quick_check at start; larger ones are checked lazily.'),
  group_commit_max_records: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(2000)
    .describe('Most records committed in one transaction (one fsync).'),
  group_commit_max_wait_ms: z
    .number()
    .min(0)
    .max(1000)
    .default(4)
    .describe('Longest a write waits for others to share its commit.'),
});

export const syncSchema = z.strictObject({
  max_in_flight: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(8)
    .describe('Concurrent capture uploads (machines).'),
  log_batch_max_entries: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe('Most entries per /logs/ batch.'),
  log_batch_max_kb: z
    .number()
    .int()
    .min(1)
    .max(65_536)
    .default(1024)
    .describe('About the most bytes per /logs/ batch.'),
  backoff_initial_ms: z
    .number()
    .int()
    .min(10)
    .default(1000)
    .describe('First retry delay after a network error.'),
  backoff_max_ms: z
    .number()
    .int()
    .min(100)
    .default(300_000)
    .describe('Longest retry delay (with full jitter).'),
  machine_failing_degraded_minutes: z
    .number()
    .min(0)
    .default(10)
    .describe('A machine failing for longer than this makes the health "degraded".'),
  backlog_degraded_records: z
    .number()
    .int()
    .min(1)
    .default(50_000)
    .describe('A capture backlog above this makes the health "degraded".'),
});

export const logSchema = z.strictObject({
  level: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
    .default('info')
    .describe('Level of the local log file and stdout.'),
  cloud_level: z
    .enum(['debug', 'info', 'warn', 'error', 'fatal'])
    .default('debug')
    .describe(
      "Lowest level of the agent's own logs that are sent to /logs/; default: everything it logs (the contract's /logs/ is for Echo's debug-level logs, batched). What it logs is set by log.level.",
    ),
  file_max_mb: z.number().min(1).max(1024).default(10).describe('Size at which the log file rotates.'),
  file_count: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(5)
    .describe('Log files kept, the current one included.'),
  sentry_dsn_ref: secretRef
    .optional()
    .describe('Sentry DSN (as a secret reference) for CRITICAL errors only.'),
});

export const apiSchema = z.strictObject({
  port: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(0)
    .describe('Loopback port of the local API; 0 picks one.'),
  host: z.enum(['127.0.0.1', '::1', 'localhost']).default('127.0.0.1').describe('Loopback only, by design.'),
});

export const machineSchema = z.strictObject({
  name: z.string().min(1).max(200).describe('Unique name of the machine in this installation.'),
  collector: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a collector id such as "ultimaker"')
    .describe('The collector (vendor plugin) id.'),
  connection: z
    .record(z.string(), z.unknown())
    .default({})
    .describe("Validated by the collector's own schema."),
  poll_interval: z.number().min(0.1).max(86_400).default(30).describe('Seconds between polls.'),
  timeout: z
    .number()
    .min(0.1)
    .max(600)
    .default(10)
    .describe('Seconds a connect or poll may take before it counts as failed.'),
  unchanged_capture_interval: z
    .number()
    .min(0)
    .max(86_400)
    .default(300)
    .describe('Seconds after which an unchanged status capture is stored again.'),
  max_message_mb: z
    .number()
    .min(0.01)
    .max(1024)
    .default(16)
    .describe(
      'Largest answer, message or frame (MB) Echo reads from this machine; a bigger one is cut off and fails the poll.',
    ),
  modeler: z.url().optional().describe('The /modeler/<uuid>/ URI this machine reports as.'),
  addiguru_installation: z
    .url()
    .optional()
    .describe(
      'An Addiguru hub: the /addiguru-installation/<uuid>/ URI its captures are sent with (instead of modeler) and whose health Echo reports.',
    ),
  history: z
    .strictObject({
      frequency: z
        .enum(['hourly', 'daily', 'monthly', 'never'])
        .default('daily')
        .describe(
          "How often past jobs are collected (the cloud's history_collection_frequency, plus hourly).",
        ),
      interval: z
        .number()
        .min(1)
        .max(31 * 86_400)
        .optional()
        .describe('Seconds between history runs; overrides frequency.'),
      page_size: z.number().int().min(1).max(5000).default(500).describe('Past jobs read per request.'),
    })
    .default({ frequency: 'daily', page_size: 500 })
    .describe('Historic jobs (collectors that can list past jobs): collected after the watermark.'),
  credentials: z
    .strictObject({ username: z.string().optional(), password_ref: secretRef.optional() })
    .optional()
    .describe('Machine login; the password only by reference.'),
  commands: z
    .strictObject({
      allow: z
        .array(z.enum(COMMAND_TYPES))
        .default([...DEFAULT_ALLOWED_COMMANDS])
        .describe(
          'The remote command types this machine accepts from the cloud; any other ends as error "not allowed" without touching the machine. start_job must be added explicitly.',
        ),
      confirm_start_job: z
        .boolean()
        .default(true)
        .describe(
          'start_job waits for the operator to confirm it at the workstation (UI, tray, local API); false for unattended cells.',
        ),
      confirm_timeout: z
        .number()
        .min(1)
        .max(7 * 86_400)
        .default(600)
        .describe(
          'Seconds a start_job waits for confirmation; then it ends as error "not confirmed at the workstation".',
        ),
    })
    .default({ allow: [...DEFAULT_ALLOWED_COMMANDS], confirm_start_job: true, confirm_timeout: 600 })
    .describe('Remote commands from the cloud (docs/commands.md).'),
  enabled: z.boolean().default(true).describe('false keeps the machine configured but not polled.'),
});

export const commandsSchema = z.strictObject({
  max_file_mb: z
    .number()
    .min(1)
    .max(64 * 1024)
    .default(2048)
    .describe(
      'Largest job file (start_job) Echo downloads, in MB; a bigger one is refused before or while downloading.',
    ),
  scan_wait: z
    .number()
    .min(0)
    .max(86_400)
    .default(600)
    .describe(
      'Seconds a start_job waits for its file to be virus-scanned (and processed) in the cloud before it is refused.',
    ),
  timeout: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(120)
    .describe(
      'Seconds a pause_job, resume_job, cancel_job or check_configuration may take on its machine before it ends as error (failed).',
    ),
  start_timeout: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(1800)
    .describe(
      "Seconds a start_job may take to send its file to the machine and see the job start (the file's download from the cloud is not counted: it has its own limits).",
    ),
});

export const updatesSchema = z.strictObject({
  check: z
    .enum(['cloud', 'off'])
    .default('cloud')
    .describe(
      "cloud: look for a newer Echo in the cloud's GET /installer/ after sign-in, every `interval` and on demand; off: never. The desktop app turns it off when its own update feed is configured (ECHO_UPDATE_URL or update.json).",
    ),
  interval: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400)
    .describe('Seconds between two update checks (default daily).'),
  require_checksum: z
    .boolean()
    .default(true)
    .describe(
      'Refuse an update whose listing has no sha256; on Windows one without is accepted only for the desktop app to check its Authenticode signature before running it. false accepts an unverified file everywhere (docs/security.md).',
    ),
  max_file_mb: z
    .number()
    .min(1)
    .max(8 * 1024)
    .default(1024)
    .describe('Largest installer Echo downloads, in MB; a bigger one is stopped and deleted.'),
});

export const configSchema = z.strictObject({
  version: z.literal(1).default(1).describe('Version of this file format; bumped only with a migration.'),
  workstation_name: z.string().min(1).max(200).optional().describe('Default: the host name.'),
  data_dir: z.string().min(1).optional().describe('Default: the OS per-user data folder + /echo.'),
  cloud: cloudSchema,
  intervals: intervalsSchema.default(intervalsSchema.parse({})),
  store: storeSchema.default(storeSchema.parse({})),
  sync: syncSchema.default(syncSchema.parse({})),
  log: logSchema.default(logSchema.parse({})),
  api: apiSchema.default(apiSchema.parse({})),
  commands: commandsSchema.default(commandsSchema.parse({})),
  updates: updatesSchema.default(updatesSchema.parse({})),
  machines: z.array(machineSchema).default([]),
});

/** A configuration as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** A validated configuration with every default filled in. */
export type EchoConfig = z.output<typeof configSchema>;
export type MachineConfig = z.output<typeof machineSchema>;
