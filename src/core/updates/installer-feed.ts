import type { Logger } from 'pino';
import { z } from 'zod';
import type { CloudHttpClient } from '../cloud/http-client.ts';
import { listDidNotEnd, readPages } from '../cloud/paging.ts';
import { listReply } from '../cloud/replies.ts';
import { compareVersions, parseVersion, type Version } from './semver.ts';

/**
 * One entry of the cloud's `GET /installer/` (seed 002): which client, platform, architecture and
 * installer type, its version and a download link valid one hour. `sha256` is not in the seed:
 * it is Echo's extension (docs/cloud-contract-choices.md), the hex SHA-256 of the file, checked
 * when present. Enums are read as strings: a value Echo does not know leaves that entry out, not
 * the whole list.
 */
export const installerEntry = z.object({
  installer: z.string(),
  platform: z.string(),
  architecture: z.string(),
  type: z.string(),
  version: z.string(),
  download: z.string().min(1),
  sha256: z.string().nullish(),
});
export type InstallerEntry = z.infer<typeof installerEntry>;

export type FeedPlatform = 'mac' | 'windows';
export type FeedArchitecture = 'x86' | 'amd64';

/** Where the running process fits in the feed, or why it does not (the feed lists mac and windows only). */
export function feedTarget(
  platform: NodeJS.Platform,
  arch: string,
): { platform: FeedPlatform; architecture: FeedArchitecture } | { unsupported: string } {
  const p = platform === 'win32' ? 'windows' : platform === 'darwin' ? 'mac' : undefined;
  const a = arch === 'x64' ? 'amd64' : arch === 'ia32' ? 'x86' : undefined;
  if (!p) return { unsupported: `the cloud lists no Echo builds for ${platform} (mac and windows only)` };
  if (!a)
    return {
      unsupported: `the cloud lists no Echo builds for the ${arch} architecture (x86 and amd64 only)`,
    };
  return { platform: p, architecture: a };
}

/** An update the feed offers: its entry, checked. */
export interface OfferedUpdate {
  version: string;
  parsed: Version;
  platform: FeedPlatform;
  architecture: FeedArchitecture;
  type: 'exe' | 'msi';
  download: string;
  /** Lower-case hex, when the listing gives one. */
  sha256: string | undefined;
}

/** When one version comes as both, the exe (Echo's per-user installer) is taken. */
const TYPE_ORDER = ['exe', 'msi'] as const;

/**
 * The newest Echo for this platform and architecture that is newer than `current`, or undefined.
 * An entry whose version cannot be read is left out with a log line; so is a `sha256` that is
 * not 64 hex digits (a checksum Echo cannot compare must not pass for one).
 */
export function pickUpdate(
  entries: readonly InstallerEntry[],
  want: { current: string; platform: FeedPlatform; architecture: FeedArchitecture },
  logger: Logger,
): OfferedUpdate | undefined {
  const current = parseVersion(want.current);
  if (!current) {
    logger.warn({ version: want.current }, 'the running version cannot be read: no update is offered');
    return undefined;
  }
  let best: OfferedUpdate | undefined;
  for (const entry of entries) {
    if (entry.installer !== 'Echo') continue;
    if (entry.platform !== want.platform || entry.architecture !== want.architecture) continue;
    const type = TYPE_ORDER.find((t) => t === entry.type);
    if (!type) continue;
    const parsed = parseVersion(entry.version);
    if (!parsed) {
      logger.info({ version: entry.version }, 'an /installer/ entry has a version Echo cannot read: ignored');
      continue;
    }
    if (compareVersions(parsed, current) <= 0) continue;
    const sha256 = entry.sha256?.trim().toLowerCase() || undefined;
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
      logger.warn(
        { version: entry.version },
        'an /installer/ entry has a sha256 that is not 64 hex digits: ignored',
      );
      continue;
    }
    const candidate: OfferedUpdate = {
      version: entry.version,
      parsed,
      platform: want.platform,
      architecture: want.architecture,
      type,
      download: entry.download,
      sha256,
    };
    if (!best) best = candidate;
    else {
      const order = compareVersions(parsed, best.parsed);
      if (order > 0 || (order === 0 && TYPE_ORDER.indexOf(type) < TYPE_ORDER.indexOf(best.type))) {
        best = candidate;
      }
    }
  }
  return best;
}

/**
 * Every Echo entry: `GET /installer/?filter[installer]=Echo&filter[platform]=…` paged by the rule
 * of every cloud list (`readPages`: `page[offset]`/`page[limit]` until `total_count`, without it
 * until a short page, at most `MAX_PAGES`). A list the cap cuts fails the check
 * (`CloudReplyError`): the newest Echo may be in the part not read. Each entry is checked again
 * here: a cloud that ignores a filter changes nothing.
 */
export async function readInstallers(
  client: CloudHttpClient,
  platform: FeedPlatform,
  request: <T>(send: () => Promise<T>) => Promise<T> = (send) => send(),
): Promise<InstallerEntry[]> {
  // No key: an installer entry has no URI of its own in the seed (its download may repeat).
  const list = await readPages(({ offset, limit }) => {
    const query = new URLSearchParams({
      'filter[installer]': 'Echo',
      'filter[platform]': platform,
      'page[offset]': String(offset),
      'page[limit]': String(limit),
    });
    return request(() =>
      client.json({ method: 'GET', url: `installer/?${query}` }, listReply(installerEntry)),
    );
  });
  if (!list.complete) throw listDidNotEnd('installer list (GET /installer/)');
  return list.entries;
}
