import { arch, platform, release, type } from 'node:os';
import { CloudHttpError } from '../../shared/errors.ts';
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
 * is checked with a GET and registration happens again only on 404. A `Location` on another origin
 * than the cloud's is neither saved nor fetched: `CloudOriginError`, which the connect loop answers
 * by holding off long (registering again at once would make a new installation each time).
 */
export async function ensureRegistered(
  client: CloudHttpClient,
  stats: StoreStats,
  info: RegistrationInfo,
): Promise<{ uri: string; ecco: EccoReply }> {
  let known = stats.getValue(ECCO_KEY);
  if (known && !client.trusts(known)) {
    // Saved by an older Echo, which kept any Location: not fetched; registered anew, and the new
    // Location is checked before it is saved.
    forgetRegistration(stats);
    known = undefined;
  }
  if (known) {
    try {
      return { uri: known, ecco: await client.json({ method: 'GET', url: known }, eccoReply) };
    } catch (error) {
      // Gone (404): register anew.
      if (!(error instanceof CloudHttpError && error.status === 404)) throw error;
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
  if (!client.trusts(location)) throw client.refuse('GET', location);
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
