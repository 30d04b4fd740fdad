import http from 'node:http';
import https from 'node:https';
import { DEFAULT_MAX_MESSAGE_BYTES, readBoundedBody } from './bounded-body.ts';
import type { HttpPools } from './http-json.ts';
import { networkError } from './network-error.ts';

// The wire level of a vendor cloud account (vendor-account.ts): one bounded request, and how long a
// 429's Retry-After asks the whole account to wait.

/** An answer of the vendor: status, body (bounded) and the Retry-After header. */
export interface CloudReply {
  status: number;
  text: string;
  retryAfter?: string;
}

/** One request to a vendor cloud, its body read bounded; network failures as `CollectorError` kinds. */
export function cloudRequest(
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
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    const data = options.body ? Buffer.from(options.body.data, 'utf8') : undefined;
    if (options.body && data) {
      headers['content-type'] = options.body.contentType;
      headers['content-length'] = data.length;
    }
    const req = transport.request(
      target,
      { method, agent: options.pools.agentFor(target.protocol), headers, signal: options.signal },
      (res) => {
        readBoundedBody(res, options.maxBodyBytes ?? DEFAULT_MAX_MESSAGE_BYTES, url).then(
          (body) => {
            const retryAfter = res.headers['retry-after'];
            resolve({
              status: res.statusCode ?? 0,
              text: body.toString('utf8'),
              ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
            });
          },
          (error: unknown) => reject(networkError(url, error, options.signal)),
        );
      },
    );
    req.on('error', (error) => reject(networkError(url, error, options.signal)));
    req.end(data);
  });
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
