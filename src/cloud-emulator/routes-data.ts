import { randomBytes, randomUUID } from 'node:crypto';
import { HttpReply, readBody, readJson, sendEmpty, sendJson } from './http-helpers.ts';
import type { Route } from './route-context.ts';
import { listResources } from './route-context.ts';
import { captureCreate, logsCreate, modelerUpdate } from './schemas.ts';
import type { CaptureRecord, EmulatorState } from './state.ts';

const UUID = '([0-9a-f-]{36})';

/**
 * A capture as a GET shows it. `content_upload` is its upload URL while it waits for its content
 * (status `new`, nothing received), as `X-Upload-Location` gave it at create; null after.
 */
function publicCapture(capture: CaptureRecord, state: EmulatorState) {
  const {
    uploadToken: _token,
    content: _content,
    contentType: _type,
    uploads: _uploads,
    uuid: _uuid,
    ...rest
  } = capture;
  return {
    ...rest,
    content_upload: capture.status === 'new' && !capture.content ? uploadUrl(state.url(''), capture) : null,
    content_download: capture.content ? `${capture.uri}content/` : null,
    content_parsed_download: null,
  };
}

/** `/logs/`, `/modeler-type/`, `/modeler/`, `/capture/` and the capture upload URLs. */
export const dataRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/logs\/$/,
    async handle({ req, res, state, faults }) {
      const body = await readJson(req, logsCreate);
      const poisoned = body.logs.findIndex((l) =>
        faults.reject_log_containing.some((m) => l.message.includes(m)),
      );
      if (poisoned >= 0)
        throw new HttpReply(400, 'invalid-payload', `The payload provided is not valid (logs.${poisoned}).`);
      state.logBatches.push(body);
      sendEmpty(res, 204);
    },
  },
  {
    method: 'GET',
    pattern: /^\/modeler-type\/$/,
    handle: ({ res, state, query }) =>
      sendJson(res, 200, listResources([...state.modelerTypes.values()], query)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/modeler-type/${UUID}/$`),
    handle({ res, state, params }) {
      const type = state.modelerTypes.get(params[0]!);
      if (!type) throw new HttpReply(404, 'not-found', 'The modeler-type cannot be found.');
      sendJson(res, 200, type);
    },
  },
  {
    method: 'GET',
    pattern: /^\/modeler\/$/,
    handle: ({ res, state, query }) => sendJson(res, 200, listResources([...state.modelers.values()], query)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/modeler/${UUID}/$`),
    handle({ res, state, params }) {
      const modeler = state.modelers.get(params[0]!);
      if (!modeler) throw new HttpReply(404, 'not-found', 'The modeler cannot be found.');
      sendJson(res, 200, modeler);
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/modeler/${UUID}/$`),
    async handle({ req, res, state, params }) {
      const modeler = state.modelers.get(params[0]!);
      if (!modeler) throw new HttpReply(404, 'not-found', 'The modeler cannot be found.');
      const body = await readJson(req, modelerUpdate);
      Object.assign(modeler, body, { updated: new Date().toISOString() });
      if (body.connected === false) modeler.status = 'offline';
      sendEmpty(res, 204);
    },
  },
  {
    method: 'POST',
    pattern: /^\/capture\/$/,
    async handle({ req, res, state, faults }) {
      const body = await readJson(req, captureCreate);
      if (faults.reject_capture_types.includes(body.capture_type_name)) {
        throw new HttpReply(
          400,
          'invalid-payload',
          `The payload provided is not valid (${body.capture_type_name}).`,
        );
      }
      if (body.modeler && ![...state.modelers.values()].some((m) => m.uri === body.modeler)) {
        throw new HttpReply(400, 'invalid-modeler', 'The modeler does not exist.');
      }
      if (
        body.addiguru_installation &&
        ![...state.addiguruInstallations.values()].some((i) => i.uri === body.addiguru_installation)
      ) {
        throw new HttpReply(
          400,
          'invalid-addiguru-installation',
          'The addiguru-installation does not exist.',
        );
      }
      // The server drops a duplicate by meta.echo_capture_id: a second POST of the same capture
      // (the agent crashed before it stored the first reply) gets the first capture back.
      const existing = state.capturesByEchoId.get(body.meta.echo_capture_id);
      if (existing) {
        state.duplicateCapturePosts++;
        if (state.duplicateCaptures === 'conflict')
          throw new HttpReply(
            409,
            'duplicate-capture',
            'A capture with this echo_capture_id already exists.',
          );
        sendEmpty(res, 201, createdHeaders(state, existing));
        return;
      }
      const uuid = randomUUID();
      const now = new Date().toISOString();
      const capture: CaptureRecord = {
        uuid,
        uri: state.url(`/capture/${uuid}/`),
        modeler: body.modeler ?? null,
        addiguru_installation: body.addiguru_installation ?? null,
        capture_type_name: body.capture_type_name,
        printer_names: body.printer_names,
        meta: body.meta,
        status: 'new',
        created: now,
        updated: now,
        uploadToken: randomBytes(12).toString('hex'),
        uploads: 0,
      };
      state.captures.set(uuid, capture);
      state.capturesByEchoId.set(body.meta.echo_capture_id, capture);
      if (faults.lose_capture_replies > 0) {
        // Stored, but the reply never arrives: the agent cannot know the capture was made.
        faults.lose_capture_replies--;
        req.socket.destroy();
        return;
      }
      sendEmpty(res, 201, createdHeaders(state, capture));
    },
  },
  {
    method: 'GET',
    pattern: /^\/capture\/$/,
    handle: ({ res, state, query }) =>
      sendJson(
        res,
        200,
        listResources(
          [...state.captures.values()].map((c) => publicCapture(c, state)),
          query,
        ),
      ),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/capture/${UUID}/$`),
    handle({ res, state, params }) {
      const capture = state.captures.get(params[0]!);
      if (!capture) throw new HttpReply(404, 'not-found', 'RecordNotFound raised');
      sendJson(res, 200, publicCapture(capture, state));
    },
  },
  {
    // The upload URL carries a token in the query and, on the cloud's own origin, wants the same
    // credentials as the API (issue 13): no credentials answer 401, a wrong token 404.
    method: 'PUT',
    pattern: new RegExp(`^/upload/${UUID}/$`),
    async handle({ req, res, state, params, query }) {
      const capture = state.captures.get(params[0]!);
      if (!capture || query.get('token') !== capture.uploadToken) {
        throw new HttpReply(404, 'not-found', 'The upload location is unknown or has expired.');
      }
      // The contract: the upload carries the content's Content-Type (application/json, text/plain…).
      if (!req.headers['content-type'])
        throw new HttpReply(400, 'missing-content-type', 'The upload needs a Content-Type.');
      const content = await readBody(req);
      const declared = Number(req.headers['content-length'] ?? content.length);
      if (declared !== content.length)
        throw new HttpReply(400, 'incomplete-upload', 'The upload was incomplete.');
      capture.content = content;
      capture.contentType = String(req.headers['content-type']);
      capture.uploads++;
      capture.status = parses(capture) ? 'complete' : 'failed';
      capture.updated = new Date().toISOString();
      capture.uploadedAt = Date.now();
      state.onUpload?.(capture);
      const modeler = [...state.modelers.values()].find((m) => m.uri === capture.modeler);
      if (modeler) modeler.latest_upload = capture.updated;
      sendEmpty(res, 204);
    },
  },
];

/** A create's headers: `Location`, and `X-Upload-Location` unless the emulator leaves it out. */
function createdHeaders(state: EmulatorState, capture: CaptureRecord): Record<string, string> {
  return {
    location: capture.uri,
    ...(state.omitUploadLocation ? {} : { 'x-upload-location': uploadUrl(state.url(''), capture) }),
  };
}

function uploadUrl(base: string, capture: CaptureRecord): string {
  return `${base}/upload/${capture.uuid}/?token=${capture.uploadToken}`;
}

/** The emulator's stand-in for server-side parsing: JSON content must be JSON. */
function parses(capture: CaptureRecord): boolean {
  if (!capture.contentType?.includes('json')) return true;
  try {
    JSON.parse(capture.content!.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
