import { DEFAULT_MAX_MESSAGE_BYTES } from './bounded-body.ts';
import type { HttpPools } from './http-pools.ts';
import { httpRequest } from './http-request.ts';

// The wire level of a vendor cloud account (vendor-account.ts): one bounded request, and how long a
// 429's Retry-After asks the whole account to wait.

/** An answer of the vendor: status, body (bounded) and the Retry-After header. */
export interface CloudReply {
  status: number;
  text: string;
  retryAfter?: string;
}

/** One request to a vendor cloud, its body read bounded; network failures as `CollectorError` kinds. */
export async function cloudRequest(
  method: 'GET' | 'POST',
  url: string,
  options: {
    signal: AbortSignal;
    pools: HttpPools;
    headers?: Record<string, string>;
    body?: { contentType: string; data: string };
    maxBodyBytes?: number;
  },
): Promise<CloudReply> {
  const { body, ...rest } = options;
  const reply = await httpRequest(method, url, {
    ...rest,
    ...(body ? { body: { contentType: body.contentType, data: Buffer.from(body.data, 'utf8') } } : {}),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  });
  const retryAfter = reply.headers['retry-after'];
  return {
    status: reply.status,
    text: reply.text,
    ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
  };
}

/** Retry-After (seconds or an HTTP date) in milliseconds, bounded to [1 s, 1 h]; 60 s when unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number {
  const clamp = (ms: number) => Math.min(Math.max(ms, 1000), 3_600_000);
  if (header === undefined || header.length > 64) return 60_000;
  const seconds = Number(header.trim());
  if (header.trim() !== '' && Number.isFinite(seconds)) return clamp(seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? clamp(date - now) : 60_000;
}
