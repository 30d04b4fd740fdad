import { EchoError, type EchoErrorCode } from '../../shared/errors.ts';

/** How a machine failed: the scheduler maps the kind to the machine's state. */
export type MachineFailure = 'unreachable' | 'timeout' | 'auth' | 'protocol' | 'untrusted_certificate';

const CODES: Record<MachineFailure, EchoErrorCode> = {
  unreachable: 'ECHO_ERR_MACHINE_UNREACHABLE',
  timeout: 'ECHO_ERR_MACHINE_TIMEOUT',
  auth: 'ECHO_ERR_MACHINE_AUTH',
  protocol: 'ECHO_ERR_MACHINE_PROTOCOL',
  untrusted_certificate: 'ECHO_ERR_MACHINE_CERTIFICATE',
};

/** The one error type collectors throw (Home Assistant's coordinator rule: map vendor errors once). */
export class CollectorError extends EchoError {
  readonly failure: MachineFailure;
  /** Facts an operator or the UI can act on (e.g. the certificate fingerprint to accept). */
  readonly details: Record<string, unknown>;
  constructor(
    failure: MachineFailure,
    message: string,
    cause?: unknown,
    details: Record<string, unknown> = {},
  ) {
    super(CODES[failure], message, {
      cause,
      retryable: failure !== 'auth' && failure !== 'untrusted_certificate',
    });
    this.failure = failure;
    this.details = details;
  }
}
