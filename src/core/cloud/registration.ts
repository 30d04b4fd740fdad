import { arch, platform, release, type } from 'node:os';
import type { Logger } from 'pino';
import { CloudHttpError } from '../../shared/errors.ts';
import type { CloudHttpClient } from './http-client.ts';
import { findOwnInstallation } from './installation-lookup.ts';
import type { InstallationMemory } from './installation-memory.ts';
import { MAX_PAGES } from './paging.ts';
import { bureauReply, type EccoReply, eccoReply, listReply } from './replies.ts';

export interface RegistrationInfo {
  version: string;
  bureau: string | undefined;
  health: 'healthy' | 'degraded' | 'unknown';
  workstationName: string;
  /**
   * `cloud.adopt_installation_by_name`: send `workstation_name` with `POST /ecco/`, and look the
   * installation up by it in `GET /ecco/` before registering another.
   */
  adoptByName: boolean;
  now: () => number;
  logger: Pick<Logger, 'info' | 'warn'>;
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
 * Registers this installation once (`POST /ecco/`) and remembers its URI (`InstallationMemory`:
 * the store and `installation.json`); on later starts the URI is checked with a GET and
 * registration happens again only on 404. When both copies are lost, the bureau's installation of
 * this workstation is adopted if there is exactly one (see `findOwnInstallation`). A `Location` on
 * another origin than the cloud's is neither saved nor fetched: `CloudOriginError`, which the
 * connect loop answers by holding off long (registering again at once would make a new
 * installation each time).
 */
export async function ensureRegistered(
  client: CloudHttpClient,
  memory: InstallationMemory,
  info: RegistrationInfo,
): Promise<{ uri: string; ecco: EccoReply }> {
  const known = memory.recall();
  if (known) {
    try {
      return { uri: known, ecco: await client.json({ method: 'GET', url: known }, eccoReply) };
    } catch (error) {
      if (!(error instanceof CloudHttpError && error.status === 404)) throw error;
      // Deleted in the cloud: register anew.
      info.logger.warn(
        { ecco: known },
        'the cloud no longer knows this installation (404): registering anew',
      );
      memory.forget();
    }
  }
  const bureau = info.bureau ?? (await firstBureau(client));
  if (info.adoptByName) {
    const adopted = await adoptOwnInstallation(client, bureau, info);
    if (adopted) {
      memory.remember(adopted.uri, 'adopted');
      return adopted;
    }
  }
  const location = await registerNew(client, bureau, info);
  if (!client.trusts(location)) throw client.refuse('GET', location);
  memory.remember(location, 'registered');
  return { uri: location, ecco: await client.json({ method: 'GET', url: location }, eccoReply) };
}

/**
 * The bureaus whose cloud was seen to drop `workstation_name`: said once per process (a
 * registration that fails is tried again, and looks the installation up again each time).
 */
const warnedNamesDropped = new Set<string>();

/** This workstation's installation in the bureau's list, when exactly one is there; says why not. */
async function adoptOwnInstallation(
  client: CloudHttpClient,
  bureau: string,
  info: RegistrationInfo,
): Promise<{ uri: string; ecco: EccoReply } | undefined> {
  const { logger, workstationName } = info;
  const found = await findOwnInstallation(client, { bureau, workstationName });
  const where = { bureau, workstation_name: workstationName };
  if (found.kind === 'unavailable') {
    logger.warn(
      { ...where, reason: found.reason },
      'the cloud did not list its installations (GET /ecco/): registering a new one without looking for this workstation’s',
    );
    return undefined;
  }
  if (found.cut) {
    logger.warn(
      { ...where, pages: MAX_PAGES },
      `the cloud's installation list (GET /ecco/) did not end within ${MAX_PAGES} pages (does it ignore the filters?): what follows is from the part read`,
    );
  }
  if (found.kind !== 'found' && found.foreign.length > 0) {
    logger.warn(
      { ...where, foreign: found.foreign },
      'installations of this workstation named on another origin than the cloud’s are not adopted',
    );
  }
  if (found.kind === 'none' && found.namesDropped !== undefined && !warnedNamesDropped.has(bureau)) {
    warnedNamesDropped.add(bureau);
    logger.warn(
      { ...where, listed: found.namesDropped },
      `the cloud lists ${found.namesDropped} installation(s) of the bureau, none with a workstation_name: it does not keep the name Echo sends, so cloud.adopt_installation_by_name cannot find this workstation's installation, and a new one is registered whenever its URI is lost (installation.json and the database both gone)`,
    );
    return undefined;
  }
  if (found.kind === 'none') {
    // The usual first start: nothing to adopt, and nothing wrong.
    logger.info(where, 'no installation of this workstation in the bureau: registering one');
    return undefined;
  }
  if (found.kind === 'several') {
    logger.warn(
      { ...where, installations: found.uris },
      `${found.uris.length} installations in the bureau have this workstation name, so none is taken for this one's: registering a new one (give each PC its own workstation_name)`,
    );
    return undefined;
  }
  logger.info(
    { ...where, ecco: found.uri, enabled: found.ecco.enabled },
    'this installation’s URI was lost locally: the bureau’s installation with this workstation name is adopted',
  );
  return { uri: found.uri, ecco: found.ecco };
}

/**
 * `POST /ecco/`, with `workstation_name` when looking up by name is on. The contract does not list
 * that field: a cloud that refuses it (400) is asked once more without it, so that registration
 * never depends on an extension the cloud may not have.
 */
async function registerNew(client: CloudHttpClient, bureau: string, info: RegistrationInfo): Promise<string> {
  const body = {
    bureau,
    version: info.version,
    ...osFields(),
    health: info.health,
    health_check_on: new Date(info.now()).toISOString(),
  };
  if (!info.adoptByName) return (await client.create('ecco/', body)).location;
  try {
    return (await client.create('ecco/', { ...body, workstation_name: info.workstationName })).location;
  } catch (error) {
    if (!(error instanceof CloudHttpError && error.status === 400)) throw error;
    info.logger.warn(
      { reason: error.message },
      'POST /ecco/ with workstation_name was refused (400): registering without it; this installation cannot be found by name if its URI is lost (cloud.adopt_installation_by_name: false stops sending it)',
    );
    return (await client.create('ecco/', body)).location;
  }
}

async function firstBureau(client: CloudHttpClient): Promise<string> {
  const list = await client.json({ method: 'GET', url: 'bureau/' }, listReply(bureauReply));
  const first = list.resources[0];
  if (!first)
    throw new CloudHttpError(403, 'GET /bureau/ lists no bureau for this account; set cloud.bureau', '');
  return first.uri;
}
