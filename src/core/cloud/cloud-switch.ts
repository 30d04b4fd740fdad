import { dirname } from 'node:path';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { Store } from '../store/store.ts';
import { forgetCloudMachines } from './cloud-machine-list.ts';
import { forgetApiToken, TOKEN_SECRET_NAME } from './credentials.ts';
import { canonicalCloudUrl, InstallationIdentityFile } from './installation-identity.ts';
import { ECCO_URI_KEY } from './installation-memory.ts';

/** The cloud this store last worked with (kv), to notice when the operator points Echo elsewhere. */
const CLOUD_URL_KEY = 'cloud.url';

/** What moving to another cloud did, for the log. */
export interface CloudSwitch {
  from: string;
  to: string;
  /** Captures created or uploaded on the old cloud, to be created again on the new one. */
  capturesRestarted: number;
  /** A sign-in (token from `login` or the app) was for the old cloud and is forgotten. */
  signInForgotten: boolean;
  /**
   * Why `installation.json` (the old cloud's installation) could not be removed, if it could not;
   * harmless, since a file naming another cloud is ignored, but said in the log.
   */
  installationFileKept?: string;
}

/**
 * Called at start, before anything talks to the cloud. When the cloud URL differs from the one
 * this store worked with (changed in the file or in the app), nothing of the old cloud is carried
 * over to the new one: its installation URI and machine list are forgotten (Echo registers anew),
 * captures in flight start again, and a token the old cloud issued is forgotten rather than sent
 * to another server (a token in the config file is the operator's explicit choice and stays).
 * Nothing collected is lost: every record not acknowledged goes to the new cloud.
 */
export function noteCloudUrl(store: Store, secrets: SecretStore, url: string): CloudSwitch | undefined {
  const current = canonicalCloudUrl(url);
  const previous = store.stats.getValue(CLOUD_URL_KEY);
  // Written only when it changed: a start on a full disk must not fail on a write it does not need.
  if (previous === current) return undefined;
  store.stats.setValue(CLOUD_URL_KEY, current);
  if (previous === undefined) return undefined;
  store.stats.setValue(ECCO_URI_KEY, undefined);
  // The identity file lives beside the database.
  const installationFileKept = new InstallationIdentityFile(dirname(store.path)).clear();
  forgetCloudMachines(store.stats);
  const capturesRestarted = store.captures.restartInFlight();
  const signInForgotten = secrets.get(TOKEN_SECRET_NAME) !== undefined;
  if (signInForgotten) forgetApiToken(secrets);
  return {
    from: previous,
    to: current,
    capturesRestarted,
    signInForgotten,
    ...(installationFileKept ? { installationFileKept } : {}),
  };
}
