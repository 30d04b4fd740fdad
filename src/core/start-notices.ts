import type { CloudSwitch } from './cloud/cloud-switch.ts';
import { withheldTokenReason } from './cloud/credentials.ts';
import type { ResolvedConfig } from './config/load.ts';
import type { Logger } from './logging/create-logger.ts';
import type { OwnerOnlyProblem } from './owner-only.ts';
import { FileSecretStore, type SecretStore } from './secrets/secret-store.ts';

/** What the agent found at start that an operator should know, said once per start. */
export interface StartFindings {
  notOwnerOnly: readonly OwnerOnlyProblem[];
  secrets: SecretStore;
  cloudMoved: CloudSwitch | undefined;
  withheldApiToken: ResolvedConfig['withheldApiToken'];
}

/** Logs the start-up findings; `status` shows each of them too while it lasts. */
export function logStartNotices(logger: Logger, found: StartFindings): void {
  if (found.notOwnerOnly.length > 0) {
    logger.warn(
      { paths: found.notOwnerOnly },
      'data_dir could not be made readable by its owner only (a file system without modes?); check who can read it',
    );
  }
  if (found.secrets instanceof FileSecretStore && found.secrets.unencryptedBecause) {
    logger.warn(
      { secrets: found.secrets.description },
      'the desktop app could not encrypt the secret store: secrets are kept in an owner-only file',
    );
  }
  const moved = found.cloudMoved;
  if (moved) {
    logger.warn(
      moved,
      moved.signInForgotten
        ? 'the cloud URL changed: registering anew there; the sign-in was for the old cloud, sign in to the new one'
        : 'the cloud URL changed: registering anew there; unsent records go to the new cloud',
    );
  }
  if (found.withheldApiToken) {
    logger.warn(found.withheldApiToken, withheldTokenReason(found.withheldApiToken));
  }
}
