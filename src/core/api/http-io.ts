import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

/** An answer in words: the status, a stable code for scripts, and a message naming the fix. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
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

/** A query parameter as an optional property (absent, not empty, when not given). */
export function optional<K extends string>(key: K, value: string | null): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

/** `?limit=` within 1…max, `fallback` when absent or not a number. */
export function limitParam(url: URL, fallback: number, max: number): number {
  return Math.min(Number(url.searchParams.get('limit') ?? fallback) || fallback, max);
}

/** The JSON body, at most 1 MB, validated: a bad one answers 400 naming every field. */
export async function readJson<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new ApiProblem(413, 'too_large', 'the request body is larger than 1 MB');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiProblem(400, 'invalid_json', 'the request body is not JSON');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new ApiProblem(
      400,
      'invalid_body',
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    );
  }
  return result.data;
}
