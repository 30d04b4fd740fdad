import { type BodyInit, type Dispatcher, fetch } from 'undici';
import type { z } from 'zod';
import { CloudHttpError, CloudNetworkError, CloudOriginError, CloudReplyError } from '../../shared/errors.ts';
import { CredentialOrigins } from './credential-origins.ts';
import {
  isUntrustedIssuer,
  tlsErrorCode,
  transportReason,
  untrustedInWords,
} from './network/failure-words.ts';
import { errorBody } from './replies.ts';

/** How the agent authenticates: an api token (Basic uuid:secret) or an operator's session cookie. */
export type CloudAuth =
  | { kind: 'token'; uuid: string; secret: string }
  | { kind: 'session'; cookie: string }
  | { kind: 'none' };

export interface CloudRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path relative to the base URL, or a full URI (resources refer to each other by URI). */
  url: string;
  json?: unknown;
  body?: Buffer | string | ReadableStream<Uint8Array>;
  contentType?: string;
  contentLength?: number;
  headers?: Record<string, string>;
  /**
   * An upload URL the cloud handed out: on another origin (a presigned object-store URL) it is
   * sent without the credential. Any other request to another origin is refused (`CredentialOrigins`).
   */
  presigned?: boolean;
}

export interface CloudResponse {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

/**
 * Where a cloud request's undici dispatcher comes from (`CloudNetwork`: the proxy and the trusted
 * CAs); without one, undici's default (direct, Node's CAs). `knownIssuer`: who signed the
 * certificate a TLS-inspecting proxy showed for an origin, once the network check learnt it.
 */
export interface CloudDispatchers {
  dispatcherFor(url: string): Promise<Dispatcher>;
  knownIssuer?(origin: string): string | undefined;
}

/**
 * A thin client for the cloud contract: base URL, auth, timeout, and one place where transport
 * failures and error statuses become typed errors (`CloudNetworkError`, `CloudHttpError` with the
 * server's Retry-After), so the sync engine branches on types, never on strings.
 */
export class CloudHttpClient {
  auth: CloudAuth = { kind: 'none' };

  /** `origins`: where the credential may go; by default the base URL's origin only. */
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly origins: CredentialOrigins = new CredentialOrigins([baseUrl]),
    private readonly network?: CloudDispatchers,
  ) {}

  private async dispatcher(url: string): Promise<{ dispatcher?: Dispatcher }> {
    return this.network ? { dispatcher: await this.network.dispatcherFor(url) } : {};
  }

  /** Why a request failed, in words; an untrusted certificate names its issuer when known. */
  private reason(error: unknown, url: string): string {
    const code = tlsErrorCode(error);
    if (isUntrustedIssuer(code))
      return untrustedInWords(this.network?.knownIssuer?.(new URL(url).origin), code!);
    // A proxy's refusal (407: credentials) is worth more words than undici's "fetch failed".
    const words = transportReason(error);
    return /proxy/i.test(words) ? words : networkReason(error);
  }

  resolve(url: string): string {
    return new URL(url, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`).toString();
  }

  /** True when `url` (absolute, or relative to the base URL) is on one of the cloud's own origins. */
  trusts(url: string): boolean {
    return this.origins.trusts(this.resolve(url));
  }

  /** The error for a resource on another origin, which is not fetched (logged once per origin). */
  refuse(method: CloudRequest['method'], url: string): CloudOriginError {
    return this.origins.refuse(method, this.resolve(url));
  }

  async send(request: CloudRequest): Promise<CloudResponse> {
    return this.sendFollowing(request, 0);
  }

  /**
   * `send`, with redirects followed here rather than by fetch: a request that carries the
   * credential follows one only to the cloud's own origins (fetch would drop the header but still
   * send the request, its body and its outcome elsewhere: a status report "acknowledged" by
   * another server). A presigned request carries no credential and lets fetch follow.
   */
  private async sendFollowing(request: CloudRequest, hops: number): Promise<CloudResponse> {
    const url = this.resolve(request.url);
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (this.origins.trusts(url)) Object.assign(headers, authHeaders(this.auth));
    else if (request.presigned) this.origins.anonymous(url);
    else throw this.origins.refuse(request.method, url);
    // fetch drops Authorization and Cookie itself on a redirect to another origin (the Fetch spec).
    let body: string | Buffer | ReadableStream<Uint8Array> | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/octet-stream';
      if (request.contentLength !== undefined) headers['content-length'] = String(request.contentLength);
      body = request.body;
    }
    let response: Awaited<ReturnType<typeof fetch>>;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        // Node's web streams and undici's are the same objects; only their TypeScript types differ.
        body: body as BodyInit | undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: request.presigned ? 'follow' : 'manual',
        // Streaming request bodies (large captures from disk) need half-duplex mode in undici.
        ...(body instanceof ReadableStream ? { duplex: 'half' as const } : {}),
        ...(await this.dispatcher(url)),
      });
      text = await cappedText(response, MAX_REPLY_BYTES);
    } catch (error) {
      if (error instanceof ReplyTooLarge) {
        throw new CloudNetworkError(`${request.method} ${url} failed: ${error.message}`, error);
      }
      throw new CloudNetworkError(`${request.method} ${url} failed: ${this.reason(error, url)}`, error);
    }
    if (!request.presigned && response.status >= 300 && response.status < 400) {
      return this.redirected(request, url, response.status, response.headers.get('location'), body, hops);
    }
    if (response.status >= 400) {
      throw new CloudHttpError(
        response.status,
        `${request.method} ${url} answered ${response.status}${errorTitle(text)}`,
        text,
        retryAfterMs(response.headers.get('retry-after')),
      );
    }
    return { status: response.status, headers: response.headers, text };
  }

  /** A 3xx answer to a credentialed request: followed on the cloud's own origins only. */
  private redirected(
    request: CloudRequest,
    url: string,
    status: number,
    location: string | null,
    body: unknown,
    hops: number,
  ): Promise<CloudResponse> {
    const said = `${request.method} ${url} answered ${status}`;
    if (!location) throw new CloudHttpError(status, `${said} without a Location`, '');
    const next = new URL(location, url).toString();
    if (!this.origins.trusts(next)) throw this.origins.refuse(request.method, next);
    // A streamed body cannot be sent twice; a loop of redirects is the cloud's fault.
    if (body instanceof ReadableStream || hops >= MAX_REDIRECTS) {
      throw new CloudHttpError(status, `${said}: the redirect to ${next} is not followed`, '');
    }
    return this.sendFollowing({ ...request, url: next }, hops + 1);
  }

  /**
   * Opens a long-lived stream (the events stream): the credential on the cloud's own origins only,
   * `connectTimeoutMs` until the headers arrive, then open until `signal` aborts or the server
   * ends it. An error status is a CloudHttpError, as for any request.
   *
   * `presigned`: a download link the cloud handed out (a job file's `content`): on another origin
   * (a presigned object-store URL) it is fetched without the credential, as `send` uploads; on the
   * cloud's own origins it keeps it. Without it, another origin is refused.
   */
  async openStream(
    url: string,
    options: { accept: string; signal: AbortSignal; connectTimeoutMs: number; presigned?: boolean },
  ): Promise<ReadableStream<Uint8Array>> {
    const target = this.resolve(url);
    const headers: Record<string, string> = { accept: options.accept, 'cache-control': 'no-cache' };
    if (this.origins.trusts(target)) Object.assign(headers, authHeaders(this.auth));
    else if (options.presigned) this.origins.anonymous(target);
    else throw this.origins.refuse('GET', target);
    // A download link carries its own token in the query: errors (and so logs) name the path only.
    const shown = options.presigned ? withoutQuery(target) : target;
    const connect = new AbortController();
    const timer = setTimeout(() => connect.abort(new Error('no answer')), options.connectTimeoutMs);
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      // A download may be sent on (a cloud's link to its object store): fetch follows it and drops
      // the credential off the cloud's origins. The events stream follows a redirect only on the
      // cloud's own origins, as `send` does: events from elsewhere would be taken for the cloud's.
      for (let current = target, hops = 0; ; hops++) {
        response = await fetch(current, {
          headers,
          signal: AbortSignal.any([options.signal, connect.signal]),
          redirect: options.presigned ? 'follow' : 'manual',
          ...(await this.dispatcher(current)),
        });
        if (options.presigned || response.status < 300 || response.status >= 400) break;
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get('location');
        const said = `GET ${shown} answered ${response.status}`;
        if (!location) throw new CloudHttpError(response.status, `${said} without a Location`, '');
        const next = new URL(location, current).toString();
        if (!this.origins.trusts(next)) throw this.origins.refuse('GET', next);
        if (hops >= MAX_REDIRECTS) {
          throw new CloudHttpError(response.status, `${said}: the redirect to ${next} is not followed`, '');
        }
        current = next;
      }
    } catch (error) {
      if (error instanceof CloudHttpError || error instanceof CloudOriginError) throw error;
      throw new CloudNetworkError(`GET ${shown} failed: ${this.reason(error, target)}`, error);
    } finally {
      clearTimeout(timer);
    }
    if (response.status >= 400 || !response.body) {
      // An error body is read 64 KB at most: a download's comes from wherever the link points.
      const text = await boundedText(response, 64 * 1024);
      throw new CloudHttpError(
        response.status,
        `GET ${shown} answered ${response.status}${errorTitle(text)}`,
        text,
        retryAfterMs(response.headers.get('retry-after')),
      );
    }
    return response.body as unknown as ReadableStream<Uint8Array>;
  }

  /** Sends and validates a JSON reply against `schema`. */
  async json<T extends z.ZodType>(request: CloudRequest, schema: T): Promise<z.infer<T>> {
    const response = await this.send(request);
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.text);
    } catch (error) {
      throw new CloudReplyError(`${request.method} ${request.url}: the reply is not JSON`, error);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw new CloudReplyError(
        `${request.method} ${request.url}: the reply does not match the contract (${result.error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')})`,
      );
    }
    return result.data;
  }

  /** A create: 201 (or 204) with the new resource's URI in `Location`. */
  async create(
    url: string,
    json: unknown,
  ): Promise<{ location: string; uploadLocation: string | undefined; response: CloudResponse }> {
    const response = await this.send({ method: 'POST', url, json });
    const location = response.headers.get('location');
    if (!location) throw new CloudReplyError(`POST ${url}: the reply has no Location header`);
    const upload = response.headers.get('x-upload-location');
    return {
      location: this.resolve(location),
      uploadLocation: upload ? this.resolve(upload) : undefined,
      response,
    };
  }
}

/**
 * The largest reply body `send` reads. No reply of the contract comes near it (a page of 100
 * resources is tens of KB); a cloud, or something on the way, that sends more is cut off there
 * rather than filling memory until the request timeout (a reply that never ends, at loopback
 * speed, is gigabytes in a few seconds).
 */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;

/** Redirects a credentialed request follows at most (each on the cloud's own origins). */
const MAX_REDIRECTS = 5;

class ReplyTooLarge extends Error {}

function withoutQuery(url: string): string {
  const { origin, pathname } = new URL(url);
  return `${origin}${pathname}`;
}

/**
 * At most `limit` bytes of a reply's body, and whether it had more (the rest is not read: the
 * connection is let go). `partial`: a body that fails half-way gives what arrived (enough for an
 * error message); otherwise the failure is thrown.
 */
async function readUpTo(
  response: Awaited<ReturnType<typeof fetch>>,
  limit: number,
  partial: boolean,
): Promise<{ text: string; cut: boolean }> {
  if (!response.body) return { text: '', cut: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > limit) {
        chunks.push(value.subarray(0, limit - size));
        cut = true;
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  } catch (error) {
    if (!partial) throw error;
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut };
}

/** The reply's body as text, or ReplyTooLarge past `limit` bytes. */
async function cappedText(response: Awaited<ReturnType<typeof fetch>>, limit: number): Promise<string> {
  const { text, cut } = await readUpTo(response, limit, false);
  if (cut) throw new ReplyTooLarge(`the reply passed ${limit} bytes: not read further`);
  return text;
}

/** The first `limit` bytes of an error reply's body, whatever follows or fails. */
async function boundedText(response: Awaited<ReturnType<typeof fetch>>, limit: number): Promise<string> {
  return (await readUpTo(response, limit, true)).text;
}

function authHeaders(auth: CloudAuth): Record<string, string> {
  if (auth.kind === 'token') {
    return { authorization: `Basic ${Buffer.from(`${auth.uuid}:${auth.secret}`).toString('base64')}` };
  }
  if (auth.kind === 'session') return { cookie: auth.cookie };
  return {};
}

/** Retry-After in seconds (or an HTTP date), as milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function errorTitle(text: string): string {
  try {
    const body = errorBody.safeParse(JSON.parse(text));
    if (body.success) return `: ${body.data.errors.map((e) => `${e.title} (${e.code})`).join('; ')}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

function networkReason(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (error.name === 'TimeoutError') return 'timed out';
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
