import { z } from 'zod';

/**
 * The parts of a Bambu `device/<serial>/report` message Echo reads. Printers send the full `print`
 * object after a `pushall` and then only the fields that changed (P1/A1 always, X1 mostly), so
 * every field is optional and unknown fields are kept for the raw capture.
 */
export const printReport = z.looseObject({
  command: z.string().optional(),
  /**
   * A string on every printer; anything else (a number, an object from a broken firmware) is read
   * as its text, at most 64 characters, and maps to `unknown`: never a report Echo cannot read.
   */
  gcode_state: z
    .unknown()
    .transform((value) =>
      value === undefined || value === null
        ? undefined
        : (typeof value === 'string' ? value : typeof value === 'object' ? '[object]' : String(value)).slice(
            0,
            64,
          ),
    )
    .optional(),
  mc_percent: z.number().optional(),
  mc_remaining_time: z.number().optional(),
  gcode_start_time: z.union([z.string(), z.number()]).optional(),
  layer_num: z.number().optional(),
  total_layer_num: z.number().optional(),
  subtask_name: z.string().optional(),
  gcode_file: z.string().optional(),
  task_id: z.union([z.string(), z.number()]).optional(),
  nozzle_temper: z.number().optional(),
  nozzle_target_temper: z.number().optional(),
  bed_temper: z.number().optional(),
  bed_target_temper: z.number().optional(),
  chamber_temper: z.number().optional(),
  print_error: z.number().optional(),
  hms: z.array(z.looseObject({ attr: z.number(), code: z.number() })).optional(),
  wifi_signal: z.string().optional(),
});

export type PrintReport = z.infer<typeof printReport>;

export const versionInfo = z.looseObject({
  command: z.literal('get_version'),
  module: z.array(
    z.looseObject({ name: z.string(), sw_ver: z.string().optional(), sn: z.string().optional() }),
  ),
});

export type VersionInfo = z.infer<typeof versionInfo>;

export const reportMessage = z.looseObject({
  print: printReport.optional(),
  info: z.looseObject({ command: z.string() }).optional(),
});

/** The `print.command` verbs Echo sends, whose echo on the report topic is an answer, not state. */
export const COMMAND_VERBS = ['pause', 'resume', 'stop', 'project_file', 'gcode_file'] as const;

/**
 * The printer's answer to a command Echo sent (`pause`, `resume`, `stop`, `project_file`,
 * `gcode_file`): the same command and sequence_id, with `result` ("success" or "failed", any case)
 * and a `reason` (OpenBambuAPI mqtt.md).
 */
export const commandReply = z.looseObject({
  command: z.enum(COMMAND_VERBS),
  sequence_id: z.string(),
  result: z.string(),
  reason: z.string().optional(),
});

export type CommandReply = z.infer<typeof commandReply>;

/** What Echo publishes on `device/<serial>/request`. */
export function pushAllRequest(sequence: number): string {
  return JSON.stringify({
    pushing: { sequence_id: String(sequence), command: 'pushall', version: 1, push_target: 1 },
  });
}

export function getVersionRequest(sequence: number): string {
  return JSON.stringify({ info: { sequence_id: String(sequence), command: 'get_version' } });
}
