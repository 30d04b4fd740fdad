import type { StoredMachineStatus } from '../store/types.ts';

/** The contract's `addiguru-installation.health` values. */
export type AddiguruHealth =
  | 'healthy'
  | 'unreachable'
  | 'authentication_error'
  | 'configuration_error'
  | 'degraded'
  | 'unknown';

/**
 * An Addiguru hub's health from its latest status (docs/cloud-contract-choices.md): answering and
 * well → `healthy`; answering with an error state → `degraded`; not answering → by why (the
 * collector's failure kind): refused credentials → `authentication_error`, a certificate Echo does
 * not trust → `configuration_error` (the PC's trust must change), no answer or a timeout →
 * `unreachable`, an answer that is not the hub's protocol → `degraded`.
 */
export function addiguruHealth(
  status: Pick<StoredMachineStatus, 'connected' | 'state' | 'failure'>,
): AddiguruHealth {
  if (status.connected) return status.state === 'error' ? 'degraded' : 'healthy';
  switch (status.failure) {
    case 'auth':
      return 'authentication_error';
    case 'untrusted_certificate':
      return 'configuration_error';
    case 'unreachable':
    case 'timeout':
      return 'unreachable';
    case 'protocol':
      return 'degraded';
    default:
      return 'unknown';
  }
}
