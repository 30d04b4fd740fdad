import { z } from 'zod';
import type { MachineCommand } from '../../collectors/sdk/collector.ts';
import { COMMAND_TYPES, type CommandType } from '../../shared/model/commands.ts';

/**
 * A `/modeler-command/` resource as the cloud sends it (the stream's `payload`, or one item of the
 * poll's list). Only what Echo acts on is required; everything else is kept as received for the
 * audit. `type` is any string here: a type Echo does not know is an answer (`error`,
 * "unsupported"), not a reply that fails validation.
 */
export const cloudCommand = z.looseObject({
  uri: z.string().min(1),
  type: z.string().min(1),
  modeler: z.string().min(1),
  status: z.string(),
  job_external_id: z.union([z.string(), z.number()]).nullish(),
  'build-file': z.string().nullish(),
  build_file: z.string().nullish(),
  machine_job_file: z.string().nullish(),
  printing_preset: z.string().nullish(),
});
export type CloudCommand = z.infer<typeof cloudCommand>;

/** One `data:` line of the events stream. */
export const commandEvent = z.looseObject({ topic: z.string(), payload: z.unknown() });

/** The poll's list: the items are checked one by one (one bad item does not hide the others). */
export const commandList = z.object({ resources: z.array(z.unknown()), total_count: z.number().optional() });

export function isCommandType(type: string): type is CommandType {
  return (COMMAND_TYPES as readonly string[]).includes(type);
}

/** The collector's view of a command (no cloud URIs: the file, if any, is downloaded first). */
export function machineCommandOf(command: CloudCommand): MachineCommand {
  const job = command.job_external_id;
  return {
    type: command.type as MachineCommand['type'],
    ...(job !== null && job !== undefined && String(job) !== '' ? { jobExternalId: String(job) } : {}),
    ...(command.printing_preset ? { printingPreset: command.printing_preset } : {}),
  };
}
