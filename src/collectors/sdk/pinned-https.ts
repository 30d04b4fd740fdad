import { request } from 'node:http';
import type { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_BYTES, readBoundedBody } from './bounded-body.ts';
import { parseJsonReply } from './http-json.ts';
import { networkError } from './network-error.ts';
import { connectPinnedTls, type TlsTrust } from './pinned-tls.ts';

export interface PinnedHttpsRequest {
  host: string;
  port: number;
  path: string;
  trust: TlsTrust;
  /** Basic authentication, sent only after the certificate checked out. */
  auth?: { username: string; password: string };
  signal: AbortSignal;
  emptyOn?: readonly number[];
  /** The largest body read (`CollectorContext.limits.maxMessageBytes`); default 16 MB. */
  maxBodyBytes?: number;
}

/**
 * GETs a JSON document over HTTPS from a machine whose certificate is pinned: the TLS connection
 * is opened and verified first (`connectPinnedTls`), then the request, with its credentials, is
 * written on it. One connection per request: machines are polled every few seconds at most.
 */
export async function getPinnedJson<T extends z.ZodType>(
  options: PinnedHttpsRequest,
  schema: T,
): Promise<z.infer<T> | undefined> {
  const url = `https://${options.host}:${options.port}${options.path}`;
  const socket = await connectPinnedTls({
    host: options.host,
    port: options.port,
    trust: options.trust,
    signal: options.signal,
  });
  const headers: Record<string, string> = {
    accept: 'application/json',
    host: `${options.host}:${options.port}`,
  };
  if (options.auth) {
    headers.authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  }
  try {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          method: 'GET',
          path: options.path,
          headers,
          createConnection: () => socket,
          signal: options.signal,
        },
        (res) => {
          readBoundedBody(res, options.maxBodyBytes ?? DEFAULT_MAX_MESSAGE_BYTES, url).then(
            (body) => resolve({ status: res.statusCode ?? 0, text: body.toString('utf8') }),
            reject,
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    return parseJsonReply(url, status, text, schema, options.emptyOn);
  } catch (error) {
    throw networkError(url, error, options.signal);
  } finally {
    socket.destroy();
  }
}
