import type { HttpPools } from './http-pools.ts';
import { httpRequest, type SendBody } from './http-request.ts';

export type { SendBody } from './http-request.ts';

/** What Echo reads of an answer to a write (a short JSON or text message): more is refused. */
export const MAX_WRITE_REPLY_BYTES = 1024 * 1024;

/**
 * One request with a body (or none) to the machine, its answer read bounded (at most
 * MAX_WRITE_REPLY_BYTES); network failures mapped to `CollectorError` kinds: the write side of
 * `httpGet` (remote commands, uploads).
 */
export async function httpSend(
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
  const maxBodyBytes = Math.min(options.maxBodyBytes ?? MAX_WRITE_REPLY_BYTES, MAX_WRITE_REPLY_BYTES);
  const { status, text } = await httpRequest(method, url, { ...options, maxBodyBytes });
  return { status, text };
}

/** `Authorization: Basic` for a machine whose credentials are set, else nothing. */
export function basicAuth(credentials: { username?: string; password?: string }): Record<string, string> {
  if (credentials.username === undefined && credentials.password === undefined) return {};
  const token = Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`, 'utf8').toString(
    'base64',
  );
  return { authorization: `Basic ${token}` };
}
