/**
 * A remote command the machine does not take, thrown before anything is sent to it: its state does
 * not allow it (pause a machine that is not printing, cancel a job it is not running:
 * `refused_by_state`), or it has no way to do it (an OPC UA server that exposes no such method:
 * `unsupported_command`). Reported to the cloud as the command's error with this reason.
 */
export class CommandRefused extends Error {
  constructor(
    message: string,
    /** What the machine was doing, for the cloud's `response`. */
    readonly machineState?: string,
    /** Why, as the command's error code. */
    readonly code: 'refused_by_state' | 'unsupported_command' = 'refused_by_state',
  ) {
    super(message);
    this.name = 'CommandRefused';
  }
}
