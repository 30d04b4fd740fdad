import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from './loopback-http-server.ts';

/** What a vendor route answers. */
export interface CloudAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type CloudRoute = (request: {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}) => CloudAnswer | Promise<CloudAnswer>;

/**
 * A vendor cloud (Formlabs Web API, Markforged Eiger, Carbon API) on a real HTTP server, with what
 * the account-level tests need: a count of requests per route, bearer tokens that expire or are
 * revoked, a rate limit (429 with Retry-After for every request of the account), an outage (503)
 * and garbage. The vendor's simulator gives the routes.
 */
export class VendorCloudSimulator {
  /** Requests by route label (`GET /printers/`), for "one list request per interval". */
  readonly counts = new Map<string, number>();
  /** `outage`: every request answers 503; `garbage`: 200 with a body that is not JSON. */
  fault: 'outage' | 'garbage' | null = null;
  private limitedUntil = 0;
  private readonly tokens = new Map<string, number>();

  private constructor(private readonly server: LoopbackHttpServer) {}

  static async start(route: (sim: VendorCloudSimulator) => CloudRoute): Promise<VendorCloudSimulator> {
    let handler: CloudRoute | undefined;
    let sim: VendorCloudSimulator | undefined;
    const server = await LoopbackHttpServer.start((req, res) => sim!.handle(req, res, handler!));
    sim = new VendorCloudSimulator(server);
    handler = route(sim);
    return sim;
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return `http://${this.server.host}:${this.server.port}`;
  }

  count(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  /** Every request answers 429 with `Retry-After: seconds` until they passed. */
  rateLimit(seconds: number): void {
    this.limitedUntil = Date.now() + seconds * 1000;
  }

  get rateLimited(): boolean {
    return Date.now() < this.limitedUntil;
  }

  /** A new bearer token valid for `seconds`. */
  issueToken(seconds: number): string {
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, Date.now() + seconds * 1000);
    return token;
  }

  /** Every token issued so far expires now (the vendor revoked them, or the clock passed). */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** The bearer of `authorization` is a live token. */
  bearerValid(authorization: string | undefined): boolean {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const until = token !== undefined ? this.tokens.get(token) : undefined;
    return until !== undefined && Date.now() < until;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, route: CloudRoute): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = req.method ?? 'GET';
    const label = `${method} ${url.pathname}`;
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.rateLimited) {
      const seconds = Math.ceil((this.limitedUntil - Date.now()) / 1000);
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(seconds) });
      res.end(JSON.stringify({ detail: 'Request was throttled.' }));
      return;
    }
    if (this.fault === 'outage') {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><body>503 Service Unavailable</body></html>');
      return;
    }
    const answer = await route({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    if (this.fault === 'garbage' && answer.status === 200) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"printers": [ garbage');
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }
}
