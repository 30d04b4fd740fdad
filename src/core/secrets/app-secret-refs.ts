import type { MachineConfig } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { machineSecretName } from './machine-secret-name.ts';

/*
 * Which secret references the app may hand Echo. The configuration file is written by the PC's
 * administrator, so its references may read any variable or file (`env:`, `file:`). The local API
 * answers anything that holds its token: a reference accepted there would let the caller have
 * Echo read a file, a variable or another secret and send it as a password to a host of the
 * caller's choosing. So a machine defined through the local API may only refer to its own entry in
 * Echo's secret store, the one the app writes when a password is typed; the entry is the machine's
 * name exactly (machine-secret-name.ts), so no two machines share one.
 */

/** The only `password_ref` a machine from the local API may carry. */
export function appPasswordRef(machine: string): string {
  return `store:${machineSecretName(machine)}`;
}

/** True when the machine refers to no secret, or only to its own secret-store entry. */
export function hasOnlyAppSecretRefs(machine: Pick<MachineConfig, 'name' | 'credentials'>): boolean {
  const ref = machine.credentials?.password_ref;
  return ref === undefined || ref === appPasswordRef(machine.name);
}

/**
 * Refuses a machine from the local API whose `password_ref` is anything but its own store entry.
 * `field` is where the machine sits in the request body (`machine`, or empty for the body itself),
 * so that the message names the field as the caller sent it.
 */
export function refuseForeignSecretRefs(
  machine: Pick<MachineConfig, 'name' | 'credentials'>,
  field: string,
): void {
  if (hasOnlyAppSecretRefs(machine)) return;
  const path = `${field ? `${field}.` : ''}credentials.password_ref`;
  throw new ConfigError(
    'ECHO_ERR_SECRET_REF_NOT_ALLOWED',
    'Secret reference not allowed through the local API',
    [
      `${path}: only "${appPasswordRef(machine.name)}" (this machine's own entry in Echo's secret store) can be given here, got ${JSON.stringify(machine.credentials?.password_ref)}; send the password itself ("password" in the request, the password field in the app) and Echo stores it, or put env: and file: references in the configuration file`,
    ],
  );
}

/**
 * The connection test (`POST /api/v1/machines/test`) takes a host of the caller's choosing, so a
 * machine named like one of the configuration file or of the cloud may not bring even its "own"
 * reference there: a `store:machine-<name>` entry of such a machine is the administrator's (the
 * config file's `password_ref`), not a password typed in the app, and would go to that host.
 * `definedIn`: where a machine of that name is defined, if anywhere.
 */
export function refuseStoredPasswordOfOthers(
  machine: Pick<MachineConfig, 'name' | 'credentials'>,
  field: string,
  definedIn: 'config' | 'ui' | 'cloud' | undefined,
): void {
  if (definedIn !== 'config' && definedIn !== 'cloud') return;
  if (machine.credentials?.password_ref === undefined) return;
  const path = `${field ? `${field}.` : ''}credentials.password_ref`;
  const where = definedIn === 'config' ? 'the configuration file' : 'the cloud';
  throw new ConfigError(
    'ECHO_ERR_SECRET_REF_NOT_ALLOWED',
    'Secret reference not allowed through the local API',
    [
      `${path}: "${machine.name}" is a machine of ${where}, whose stored password is not sent to a host given here; send the password itself ("password" in the request, the password field in the app) to test with it`,
    ],
  );
}
