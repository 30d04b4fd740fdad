import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { downloadToFile } from '../cloud/download-to-file.ts';
import type { CloudHttpClient } from '../cloud/http-client.ts';
import { restrictToOwner } from '../owner-only.ts';
import type { OfferedUpdate } from './installer-feed.ts';
import { formatVersion } from './semver.ts';

/** Why a downloaded update is not used; the message says it in words, the file is gone. */
export type UpdateRefusal = 'too_large' | 'checksum_mismatch' | 'no_checksum';

export class UpdateRefused extends Error {
  constructor(
    readonly code: UpdateRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'UpdateRefused';
  }
}

/**
 * How a ready file was verified: `sha256` (the listing's checksum matched), `signature` (no
 * checksum, on Windows: the desktop app checks its Authenticode signature before running it),
 * `none` (no checksum and `updates.require_checksum: false`).
 */
export type Verification = 'sha256' | 'signature' | 'none';

export interface DownloadedUpdate {
  path: string;
  size: number;
  /** Hex SHA-256 of the bytes at `path`. */
  sha256: string;
  verifiedBy: Verification;
}

export interface DownloadUpdateOptions {
  client: CloudHttpClient;
  offer: OfferedUpdate;
  /** `<data_dir>/updates`; made owner-only (0700). */
  dir: string;
  maxBytes: number;
  requireChecksum: boolean;
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  /** A download that receives nothing this long is dropped (default 60 s). */
  idleTimeoutMs?: number;
  logger: Logger;
}

/** The file name of an update: made from checked parts only (the version as parsed). */
export function updateFileName(offer: OfferedUpdate): string {
  return `Echo-${formatVersion(offer.parsed)}-${offer.platform}-${offer.architecture}.${offer.type}`;
}

/**
 * Streams the offered installer through the agent's cloud client (`openStream`, `presigned`: the
 * same proxy and dispatcher as all cloud traffic; a link on another origin gets no credential)
 * into a temporary file in `dir`, bounded by `maxBytes` and hashed on the way, checks it against
 * the listing's `sha256`, and renames it into place only then. Without a checksum it is refused
 * before any byte is fetched, unless on Windows (the shell's signature check) or
 * `requireChecksum` is false. On any failure no file is left behind; older installers in `dir`
 * are removed once a new one is ready.
 */
export async function downloadUpdate(options: DownloadUpdateOptions): Promise<DownloadedUpdate> {
  const { offer, logger } = options;
  let verifiedBy: Verification = 'sha256';
  if (!offer.sha256) {
    if (offer.platform === 'windows') verifiedBy = 'signature';
    else if (options.requireChecksum) {
      throw new UpdateRefused(
        'no_checksum',
        `the cloud lists Echo ${offer.version} without a sha256 and updates.require_checksum is on: it is not downloaded (nothing could verify it on this platform)`,
      );
    } else verifiedBy = 'none';
  }
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const problem = restrictToOwner(options.dir, 0o700);
  if (problem) logger.warn(problem, 'the updates folder could not be made owner-only');

  const name = updateFileName(offer);
  const path = join(options.dir, name);
  logger.info({ version: offer.version, file: name }, 'downloading the Echo update');
  const { size, sha256 } = await downloadToFile({
    client: options.client,
    url: offer.download,
    path,
    name,
    maxBytes: options.maxBytes,
    tooLarge: () =>
      new UpdateRefused(
        'too_large',
        `the download of Echo ${offer.version} passed the ${options.maxBytes} bytes allowed (updates.max_file_mb): stopped and deleted`,
      ),
    verify: (file) => {
      if (offer.sha256 && offer.sha256 !== file.sha256) {
        throw new UpdateRefused(
          'checksum_mismatch',
          `the downloaded Echo ${offer.version} does not match the cloud's checksum (SHA-256 ${file.sha256}, the listing says ${offer.sha256}): the file was deleted and will not be installed`,
        );
      }
    },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
  });
  await removeOthers(options.dir, name);
  if (verifiedBy === 'none') {
    logger.warn(
      { version: offer.version },
      'the update has no checksum and updates.require_checksum is off: it is used unverified',
    );
  }
  logger.info({ version: offer.version, size, sha256, verified_by: verifiedBy }, 'Echo update downloaded');
  return { path, size, sha256, verifiedBy };
}

/** Every other file in the folder (older installers, parts a crash left): one update is kept. */
async function removeOthers(dir: string, keep: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry !== keep) await rm(join(dir, entry), { force: true, recursive: true });
  }
}
