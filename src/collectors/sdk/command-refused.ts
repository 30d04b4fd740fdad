/**
 * A remote command the machine's state does not allow (pause a machine that is not printing,
 * cancel a job it is not running): thrown before anything is sent to the machine, and reported to
 * the cloud as the command's error with this reason.
 */
export class CommandRefused extends Error {
  constructor(
    message: string,
    /** What the machine was doing, for the cloud's `response`. */
    readonly machineState?: string,
  ) {
    super(message);
    this.name = 'CommandRefused';
  }
}
