import { z } from 'zod';
import { CAPTURE_TYPE_NAMES, CLOUD_LOG_LEVELS } from '../shared/model/capture-types.ts';

/**
 * What the emulator accepts, as strictly as a careful server would: unknown fields, wrong types and
 * read-only fields are refused with a 400 and the contract's error body. Each schema follows
 * `../shared/docs/cloud-contract.md`.
 */
const iso = z.iso.datetime({ offset: true });
const uri = z.url();

export const sessionCreate = z.union([
  z.strictObject({ username: z.string().min(1), password: z.string(), logon_type: z.literal('password') }),
  z.strictObject({ ldap_username: z.string().min(1), password: z.string(), logon_type: z.literal('ldap') }),
]);

export const apiTokenCreate = z.strictObject({ name: z.string().min(1).max(255) });

export const eccoCreate = z.strictObject({
  bureau: uri,
  version: z.string().min(1),
  os_name: z.string().min(1),
  os_version: z.string().min(1),
  os_architecture: z.string().min(1),
  health: z.enum(['healthy', 'degraded', 'unknown']),
  health_check_on: iso,
  // Not in the contract: Echo sends it (cloud.adopt_installation_by_name) to find its installation
  // again in GET /ecco/ after losing its URI; kept and listed, filterable as filter[workstation_name].
  workstation_name: z.string().min(1).max(200).optional(),
});

export const eccoUpdate = z.strictObject({
  health: z.enum(['healthy', 'degraded', 'unknown']).optional(),
  health_check_on: iso.optional(),
  version: z.string().min(1).optional(),
  os_name: z.string().optional(),
  os_version: z.string().optional(),
  os_architecture: z.string().optional(),
});

export const logsCreate = z.strictObject({
  echo_version: z.string().min(1),
  workstation_name: z.string().min(1),
  logs: z
    .array(
      z.strictObject({
        level: z.enum(CLOUD_LOG_LEVELS),
        timestamp: iso,
        message: z.string(),
        user_uuid: z.string().nullable(),
        context: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .min(1)
    .max(10_000),
});

export const captureCreate = z
  .strictObject({
    modeler: uri.optional(),
    addiguru_installation: uri.optional(),
    capture_type: uri.optional(),
    capture_type_name: z.enum(CAPTURE_TYPE_NAMES),
    printer_names: z.array(z.string()),
    meta: z.looseObject({ echo_capture_id: z.uuid() }),
  })
  .refine((c) => (c.modeler === undefined) !== (c.addiguru_installation === undefined), {
    message: 'give exactly one of modeler or addiguru_installation',
  });

export const modelerUpdate = z.strictObject({
  connected: z.boolean().optional(),
  error: z.string().nullable().optional(),
  watermark: z.string().optional(),
});

export const commandUpdate = z.strictObject({
  status: z.enum(['processing', 'complete', 'error']),
  response: z.string().optional(),
});

export const commandCreate = z.strictObject({
  type: z.enum(['start_job', 'pause_job', 'resume_job', 'cancel_job', 'check_configuration']),
  modeler: uri,
  job_external_id: z.string().optional(),
  'build-file': uri.optional(),
  machine_job_file: uri.optional(),
  printing_preset: z.string().optional(),
  run: uri.optional(),
  /** false: listed for the poll only, not pushed on the events stream (tests the poll path). */
  push: z.boolean().optional(),
});

const jobFileFields = {
  virus_scan: z.enum(['unscanned', 'passed', 'quarantined']).optional(),
  status: z.enum(['pending', 'processing', 'complete', 'error']).optional(),
};

/** `POST /_emulator/build-files` and `/_emulator/machine-job-files`: a file for Echo to fetch. */
export const jobFileSeed = z.strictObject({
  name: z.string().min(1).max(1000).nullable().optional(),
  /** The file's bytes, as text (`encoding: utf8`, the default) or base64. */
  content: z.string(),
  encoding: z.enum(['utf8', 'base64']).optional(),
  ...jobFileFields,
  format: z.enum(['stl', '3mf', 'zip', 'gcode', 'crs']).nullable().optional(),
  file_size: z.number().int().min(0).optional(),
  sha256: z.string().nullable().optional(),
  error: z.string().nullable().optional(),
});

/** `PUT /_emulator/build-files/<uuid>`: the scan or the processing moved on. */
export const jobFileChange = z.strictObject({ ...jobFileFields, error: z.string().nullable().optional() });

/** Fault plan, settable at start (`--faults`) or at run time (`POST /_emulator/faults`). */
export const faultPlan = z.strictObject({
  rate_429: z.number().min(0).max(1).default(0),
  retry_after_seconds: z.number().min(0).default(5),
  rate_503: z.number().min(0).max(1).default(0),
  rate_reset: z.number().min(0).max(1).default(0),
  rate_upload_reset: z.number().min(0).max(1).default(0),
  slow_ms: z.number().min(0).default(0),
  down: z.boolean().default(false),
  reject_capture_types: z.array(z.string()).default([]),
  /** A log batch with an entry whose message contains one of these is refused with a 400. */
  reject_log_containing: z.array(z.string()).default([]),
  /**
   * The next N `POST /capture/` that create a capture lose their reply: the capture is stored, then
   * the connection is dropped (a reply lost on the way; the agent sends the POST again).
   */
  lose_capture_replies: z.number().int().min(0).default(0),
  /**
   * The next N `PUT /modeler-command/<uuid>/` that change a status lose their reply: the status is
   * set, then the connection is dropped.
   */
  lose_command_replies: z.number().int().min(0).default(0),
  /** A printing preset created or renamed to one of these names is refused with a 400. */
  reject_preset_names: z.array(z.string()).default([]),
});
export type FaultPlan = z.output<typeof faultPlan>;

/** `POST /modeler-printing-preset/` (seed 7.2). */
export const presetCreate = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  modeler: uri,
  bureau: uri.optional(),
  active: z.boolean().optional(),
  preset_list: z.array(z.record(z.string(), z.unknown())).optional(),
});

/** `PUT /modeler-printing-preset/<uuid>/`: only the fields being changed. */
export const presetUpdate = presetCreate.omit({ modeler: true, bureau: true }).partial();
