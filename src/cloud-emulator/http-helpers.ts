import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpReply(413, 'payload-too-large', `The body exceeds ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body against a schema; a mismatch is the contract's 400. */
export async function readJson<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
  const raw = await readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpReply(400, 'invalid-payload', 'The payload provided is not valid JSON.');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new HttpReply(400, 'invalid-payload', `The payload provided is not valid. ${detail}`);
  }
  return result.data;
}
