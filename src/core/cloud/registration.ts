import { arch, platform, release, type } from 'node:os';
import { CloudHttpError, CloudOriginError } from '../../shared/errors.ts';
import type { StoreStats } from '../store/store-stats.ts';
import type { CloudHttpClient } from './http-client.ts';
import { bureauReply, type EccoReply, eccoReply, listReply } from './replies.ts';

const ECCO_KEY = 'cloud.ecco_uri';

export interface RegistrationInfo {
  version: string;
  bureau: string | undefined;
  health: 'healthy' | 'degraded' | 'unknown';
  now: () => number;
}

/** Forgets the installation's URI (another cloud: register there anew). */
export function forgetRegistration(stats: StoreStats): void {
  stats.setValue(ECCO_KEY, undefined);
}

/** What the agent reports as its OS, in the fields `/ecco/` expects. */
export function osFields(): { os_name: string; os_version: string; os_architecture: string } {
  const names: Record<string, string> = { win32: 'Windows', darwin: 'macOS', linux: 'Linux' };
  return {
    os_name: names[platform()] ?? type(),
    os_version: release(),
    os_architecture: arch() === 'x64' ? 'x86_64' : arch(),
  };
}

/**
 * Registers this installation once (`POST /ecco/`) and remembers its URI; on later starts the URI
 * is checked with a GET and registration happens again only on 404.
 */
export async function ensureRegistered(
  client: CloudHttpClient,
  stats: StoreStats,
  info: RegistrationInfo,
): Promise<{ uri: string; ecco: EccoReply }> {
  const known = stats.getValue(ECCO_KEY);
  if (known) {
    try {
      return { uri: known, ecco: await client.json({ method: 'GET', url: known }, eccoReply) };
    } catch (error) {
      // Gone (404), or kept by an older Echo on another origin than the cloud's: register anew.
      const gone = error instanceof CloudHttpError && error.status === 404;
      if (!gone && !(error instanceof CloudOriginError)) throw error;
    }
  }
  const bureau = info.bureau ?? (await firstBureau(client));
  const { location } = await client.create('ecco/', {
    bureau,
    version: info.version,
    ...osFields(),
    health: info.health,
    health_check_on: new Date(info.now()).toISOString(),
  });
  stats.setValue(ECCO_KEY, location);
  return { uri: location, ecco: await client.json({ method: 'GET', url: location }, eccoReply) };
}

async function firstBureau(client: CloudHttpClient): Promise<string> {
  const list = await client.json({ method: 'GET', url: 'bureau/' }, listReply(bureauReply));
  const first = list.resources[0];
  if (!first)
    throw new CloudHttpError(403, 'GET /bureau/ lists no bureau for this account; set cloud.bureau', '');
  return first.uri;
}
