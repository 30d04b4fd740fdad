import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ApiErrorCode } from '../../shared/errors.ts';
import { BodyNotJson, BodyTooLarge, readJsonBody } from '../../shared/http/json-body.ts';

/** The largest request body the local API reads. */
const MAX_BODY_BYTES = 1024 * 1024;

/** An answer in words: the status, a stable code for scripts, and a message naming the fix. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

export function noContent(res: ServerResponse): void {
  res.writeHead(204).end();
}

/** The request's URL; a request target that is no URL at all (`//[`) answers 400, not 500. */
export function requestUrl(target: string | undefined, base: string): URL {
  try {
    return new URL(target ?? '/', base);
  } catch {
    throw new ApiProblem(400, 'bad_path', 'the request target is not a valid URL path');
  }
}

/**
 * A `%`-escaped path segment (a machine's name), decoded. A malformed escape (`%E0%A4%A`) is the
 * caller's mistake: 400 naming it, rather than the URIError of `decodeURIComponent` as a 500.
 */
export function pathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiProblem(400, 'bad_path', `the path segment "${raw}" is not a valid %-escaped UTF-8 name`);
  }
}

/** The JSON body, at most 1 MB, not validated yet (a route that picks its schema by the body). */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  try {
    return await readJsonBody(req, MAX_BODY_BYTES, { whenEmpty: {} });
  } catch (error) {
    if (error instanceof BodyTooLarge)
      throw new ApiProblem(413, 'too_large', 'the request body is larger than 1 MB');
    if (error instanceof BodyNotJson)
      throw new ApiProblem(400, 'invalid_json', 'the request body is not JSON');
    throw error;
  }
}

/**
 * `body` checked against `schema`, or a 400 naming every field. `unknownKey`, when given, replaces
 * zod's words for a key the schema does not have (the route knows the fix).
 */
export function validBody<T extends z.ZodType>(body: unknown, schema: T, unknownKey?: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ApiProblem(
      400,
      'invalid_body',
      result.error.issues
        .flatMap((i) =>
          i.code === 'unrecognized_keys' && unknownKey
            ? i.keys.map((key) => `${[...i.path, key].join('.')}: ${unknownKey}`)
            : [`${i.path.join('.') || '(body)'}: ${i.message}`],
        )
        .join('; '),
    );
  }
  return result.data;
}
