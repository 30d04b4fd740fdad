import { createHash, randomBytes } from 'node:crypto';
import { HttpReply, sendJson } from './http-helpers.ts';
import type { Route } from './route-context.ts';
import { listResources } from './route-context.ts';
import type { EmulatorState, InstallerRecord } from './state.ts';

/** Download links handed out, per emulator: token -> the entry and the link's expiry (epoch ms). */
const links = new WeakMap<EmulatorState, Map<string, { record: InstallerRecord; expires: number }>>();

function linksOf(state: EmulatorState): Map<string, { record: InstallerRecord; expires: number }> {
  let map = links.get(state);
  if (!map) {
    map = new Map();
    links.set(state, map);
  }
  return map;
}

/** The entry as the LIST shows it: the seed's six fields, a fresh `download` link, and `sha256`. */
function publicInstaller(state: EmulatorState, record: InstallerRecord): Record<string, unknown> {
  const now = Date.now();
  const map = linksOf(state);
  for (const [token, link] of map) if (link.expires <= now) map.delete(token);
  const token = randomBytes(16).toString('hex');
  map.set(token, { record, expires: now + state.installerLinkTtlMs });
  const index = state.installers.indexOf(record);
  const sha256 =
    record.sha256 === undefined ? createHash('sha256').update(record.content).digest('hex') : record.sha256;
  return {
    ...fields(record),
    download: state.url(`/_installers/${index}?token=${token}`),
    ...(sha256 === null ? {} : { sha256 }),
  };
}

/**
 * `GET /installer/` (seed 002: the downloads of the clients Authentise releases), a list with
 * `filter[installer]`, `filter[platform]` (any field, as every list) and paging; each entry's
 * `download` is a link valid `installerLinkTtlMs` (one hour, as the seed says), served by
 * `GET /_installers/<n>?token=…` without credentials, like a presigned object-store URL.
 */
export const installerRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/installer\/$/,
    handle({ res, state, query }) {
      // Filter on the plain fields first, so that only the entries shown get a link.
      const plain = state.installers.map((record) => ({ record, ...fields(record) }));
      const { resources, total_count } = listResources(plain, query);
      sendJson(res, 200, {
        resources: resources.map((item) => publicInstaller(state, item.record)),
        total_count,
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/_installers\/(\d+)$/,
    public: true,
    handle({ res, state, params, query }) {
      const link = linksOf(state).get(query.get('token') ?? '');
      const record = state.installers[Number(params[0])];
      if (!link || !record || link.record !== record || link.expires <= Date.now()) {
        throw new HttpReply(
          403,
          'link-expired',
          'The download link is unknown or has expired; list /installer/ again for a fresh one.',
        );
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': record.content.length,
      });
      res.end(record.content);
    },
  },
];

function fields(record: InstallerRecord) {
  return {
    installer: record.installer,
    platform: record.platform,
    architecture: record.architecture,
    type: record.type,
    version: record.version,
  };
}
