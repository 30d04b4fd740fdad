import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import { readBoundedBody } from './bounded-body.ts';
import type { HttpPools } from './http-pools.ts';
import type { StreamedBody } from './multipart.ts';
import { networkError } from './network-error.ts';

/** A request body: bytes in hand, or a stream opened when the request goes out (an upload). */
export type SendBody = { contentType: string; data: Buffer } | StreamedBody;

/** An answer: its status, its body (read bounded, as text) and its headers. */
export interface HttpReply {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * One HTTP request through the collection's keep-alive pools, its answer read up to `maxBodyBytes`
 * (the request is aborted past it), network failures mapped to `CollectorError` kinds. The one
 * request every HTTP helper of the SDK is made of: a machine's GET (`httpGet`), a write to it
 * (`httpSend`), a vendor cloud's call (`cloudRequest`).
 */
export function httpRequest(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  options: {
    signal: AbortSignal;
    pools: HttpPools;
    headers?: Record<string, string>;
    body?: SendBody;
    maxBodyBytes: number;
    /** How a network failure names the request (default: its URL). */
    where?: string;
  },
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const body = options.body;
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    if (body) {
      headers['content-type'] = body.contentType;
      headers['content-length'] = 'data' in body ? body.data.length : body.length;
    } else if (method !== 'GET') {
      headers['content-length'] = 0;
    }
    let answered = false;
    const req = transport.request(
      target,
      { method, agent: options.pools.agentFor(target.protocol), headers, signal: options.signal },
      (res) => {
        answered = true;
        readBoundedBody(res, options.maxBodyBytes, options.where ?? url).then(
          (text) =>
            resolve({ status: res.statusCode ?? 0, text: text.toString('utf8'), headers: res.headers }),
          (error: unknown) => reject(networkError(options.where ?? url, error, options.signal)),
        );
      },
    );
    req.on('error', (error) => reject(networkError(options.where ?? url, error, options.signal)));
    if (!body) req.end();
    else if ('data' in body) req.end(body.data);
    // A machine may answer (a 401, a refusal) before the whole body is sent: the answer counts. A
    // body that fails before any answer (the file unreadable) fails the request.
    else
      pipeline(body.open(), req, (error) => {
        if (error && !answered) req.destroy(error);
      });
  });
}
