import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { BodyNotJson, BodyTooLarge, readBodyBytes, readJsonBody } from '../shared/http/json-body.ts';

/** A reply the emulator has decided on; thrown or returned by handlers. */
export class HttpReply extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(title);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': 0, ...headers });
  res.end();
}

/** The contract's error body: `{"errors": [{"code", "title"}]}`. */
export function sendError(res: ServerResponse, reply: HttpReply): void {
  sendJson(res, reply.status, { errors: [{ code: reply.code, title: reply.title }] }, reply.headers);
}

export async function readBody(req: IncomingMessage, limit = 256 * 1024 * 1024): Promise<Buffer> {
  try {
    return await readBodyBytes(req, limit);
  } catch (error) {
    throw bodyReply(error);
  }
}

/** Parses a JSON body against a schema; a mismatch is the contract's 400. */
export async function readJson<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
  let parsed: unknown;
  try {
    parsed = await readJsonBody(req, 256 * 1024 * 1024);
  } catch (error) {
    throw bodyReply(error);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new HttpReply(400, 'invalid-payload', `The payload provided is not valid. ${detail}`);
  }
  return result.data;
}

/** The shared reader's failures as the contract's replies. */
function bodyReply(error: unknown): unknown {
  if (error instanceof BodyTooLarge)
    return new HttpReply(413, 'payload-too-large', `The body exceeds ${error.limit} bytes.`);
  if (error instanceof BodyNotJson)
    return new HttpReply(400, 'invalid-payload', 'The payload provided is not valid JSON.');
  return error;
}
