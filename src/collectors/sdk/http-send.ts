import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import { readBoundedBody } from './bounded-body.ts';
import type { HttpPools } from './http-json.ts';
import type { StreamedBody } from './multipart.ts';
import { networkError } from './network-error.ts';

/** What Echo reads of an answer to a write (a short JSON or text message): more is refused. */
export const MAX_WRITE_REPLY_BYTES = 1024 * 1024;

export type SendBody = { contentType: string; data: Buffer } | StreamedBody;

/**
 * One request with a body (or none) to the machine, its answer read bounded; network failures
 * mapped to `CollectorError` kinds: the write side of `httpGet` (remote commands, uploads).
 */
export function httpSend(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  options: {
    signal: AbortSignal;
    pools: HttpPools;
    headers?: Record<string, string>;
    body?: SendBody;
    maxBodyBytes?: number;
  },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const body = options.body;
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    if (body) {
      headers['content-type'] = body.contentType;
      headers['content-length'] = 'data' in body ? body.data.length : body.length;
    }
    const req = transport.request(
      target,
      { method, agent: options.pools.agentFor(target.protocol), headers, signal: options.signal },
      (res) => {
        readBoundedBody(
          res,
          Math.min(options.maxBodyBytes ?? MAX_WRITE_REPLY_BYTES, MAX_WRITE_REPLY_BYTES),
          url,
        ).then(
          (text) => resolve({ status: res.statusCode ?? 0, text: text.toString('utf8') }),
          (error: unknown) => reject(networkError(url, error, options.signal)),
        );
      },
    );
    req.on('error', (error) => reject(networkError(url, error, options.signal)));
    if (!body) req.end();
    else if ('data' in body) req.end(body.data);
    else
      pipeline(body.open(), req, (error) => {
        if (error) req.destroy(error);
      });
  });
}

/** `Authorization: Basic` for a machine whose credentials are set, else nothing. */
export function basicAuth(credentials: { username?: string; password?: string }): Record<string, string> {
  if (credentials.username === undefined && credentials.password === undefined) return {};
  const token = Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`, 'utf8').toString(
    'base64',
  );
  return { authorization: `Basic ${token}` };
}
