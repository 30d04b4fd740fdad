import { HttpReply, sendJson } from './http-helpers.ts';
import type { Route } from './route-context.ts';
import { listResources } from './route-context.ts';
import type { EmulatorState, JobFileRecord } from './state.ts';

const UUID = '([0-9a-f-]{36})';

function resources(state: EmulatorState, kind: JobFileRecord['kind']): Map<string, JobFileRecord> {
  return kind === 'build-file' ? state.buildFiles : state.machineJobFiles;
}

function routesFor(kind: JobFileRecord['kind']): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/${kind}/$`),
      handle({ res, state, query }) {
        const items = [...resources(state, kind).values()].map((f) => state.publicJobFile(f));
        sendJson(res, 200, listResources(items, query));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/${kind}/${UUID}/$`),
      handle({ res, state, params }) {
        const file = resources(state, kind).get(params[0]!);
        if (!file) throw new HttpReply(404, 'not-found', `The ${kind} cannot be found.`);
        sendJson(res, 200, state.publicJobFile(file));
      },
    },
  ];
}

/**
 * `/build-file/`, `/machine-job-file/` (list, get) and their download links
 * `GET /_files/<uuid>?token=…`. A link is what authorizes a download, like an object store's
 * presigned URL: the cloud's credentials are neither needed nor enough. An unknown or expired
 * token answers 403 (`link-expired`: GET the resource again for a fresh link), and so does a
 * valid link to a build-file that may not be served any more (quarantined since, say).
 */
export const fileRoutes: Route[] = [
  ...routesFor('build-file'),
  ...routesFor('machine-job-file'),
  {
    method: 'GET',
    pattern: new RegExp(`^/_files/${UUID}$`),
    public: true,
    async handle({ res, state, params, query }) {
      const file = state.buildFiles.get(params[0]!) ?? state.machineJobFiles.get(params[0]!);
      if (file) {
        file.downloadAttempts++;
        await state.beforeJobFileDownload?.(file);
      }
      const expires = file?.links.get(query.get('token') ?? '');
      if (!file || expires === undefined || expires <= Date.now()) {
        throw new HttpReply(
          403,
          'link-expired',
          'The download link is unknown or has expired; GET the resource again for a fresh one.',
        );
      }
      if (!state.jobFileServable(file)) {
        throw new HttpReply(403, 'not-downloadable', `The file may not be downloaded (${file.virus_scan}).`);
      }
      file.downloads++;
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': file.data.length,
      });
      res.end(file.data);
    },
  },
];
