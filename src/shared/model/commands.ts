/** The cloud's command types (`/modeler-command/` `type`, cloud-contract.md "Commands"). */
export const COMMAND_TYPES = [
  'start_job',
  'pause_job',
  'resume_job',
  'cancel_job',
  'check_configuration',
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** The commands a collector carries out on its machine (`check_configuration` is Echo's own). */
export type MachineCommandType = Exclude<CommandType, 'check_configuration'>;

/**
 * What a machine accepts from the cloud unless its config says otherwise: everything but
 * `start_job`, which puts material and hours on the line and is opted into per machine.
 */
export const DEFAULT_ALLOWED_COMMANDS: readonly CommandType[] = [
  'pause_job',
  'resume_job',
  'cancel_job',
  'check_configuration',
];

/** Echo's lifecycle of a command (docs/commands.md). */
export const COMMAND_STATES = [
  'received',
  'awaiting_confirmation',
  'processing',
  'complete',
  'error',
  'rejected',
] as const;
export type CommandState = (typeof COMMAND_STATES)[number];
