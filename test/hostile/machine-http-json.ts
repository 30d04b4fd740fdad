/**
 * Hostile JSON machines on HTTP: an Ultimaker-shaped printer, and the same hostility behind HTTPS
 * for EOSCONNECT v6. Healthy until switched to a hostile mode, then answering oversized, endless,
 * deep, non-UTF-8, truncated, wrongly typed or `__proto__` bodies, or stalling mid-body. Used by
 * `http-machines.test.ts` (and `bench/flood-process.ts`) against the agent as it ships.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { DEEP_JSON, type Expectation, FILLER, listen, MB, pump, shut, track } from './machine-kit.ts';

export type HttpHostility =
  | 'healthy'
  /** 40 MB of JSON-looking text, chunked (no length given), as fast as the agent reads it. */
  | 'oversized-stream'
  /** `content-length: 700 MB`, then those bytes as fast as the agent reads them (issue 9's crash). */
  | 'huge-declared'
  /** A document nested 20,000 levels deep. */
  | 'deep-json'
  /** Bytes that are not UTF-8 where the document should be. */
  | 'invalid-utf8'
  /** A complete HTTP answer whose JSON stops in the middle. */
  | 'truncated-json'
  /** Valid JSON, every field the wrong type. */
  | 'wrong-types'
  /** The document hidden under a `__proto__` key (it must not become the document's fields). */
  | 'proto-keys'
  /** Headers and part of the body, then nothing, the connection held open. */
  | 'stall-mid-body';

/** Every HTTP hostility and what the agent must say about it (`live.lastError`) and the state. */
export const HTTP_EXPECTED: Record<Exclude<HttpHostility, 'healthy'>, Expectation> = {
  'oversized-stream': { error: /larger than 16 MB/, state: /^error$/ },
  'huge-declared': { error: /larger than 16 MB/, state: /^error$/ },
  'deep-json': { error: /nested deeper than 64 levels/, state: /^error$/ },
  'invalid-utf8': { error: /not JSON/, state: /^error$/ },
  'truncated-json': { error: /not JSON/, state: /^error$/ },
  'wrong-types': { error: /unexpected answer \(/, state: /^error$/ },
  'proto-keys': { error: /unexpected answer \(/, state: /^error$/ },
  'stall-mid-body': { error: /did not answer within|no answer/, state: /^offline$/ },
};

/** A healthy document for each path a JSON machine serves (404 for "no print job"). */
export type JsonRoutes = (path: string) => [number, unknown];

/** What an Ultimaker S5 answers on `/api/v1/` when idle. */
export const ultimakerRoutes: JsonRoutes = (path) => {
  switch (path) {
    case '/api/v1/system':
      return [
        200,
        { firmware: '5.8.2.20231212', name: 'hostile-s5', guid: 'hostile', variant: 'Ultimaker S5' },
      ];
    case '/api/v1/printer':
      return [
        200,
        {
          status: 'idle',
          bed: { temperature: { current: 22, target: 0 }, type: 'glass' },
          heads: [{ extruders: [{ hotend: { id: 'AA 0.4', temperature: { current: 22, target: 0 } } }] }],
        },
      ];
    case '/api/v1/print_job':
      return [404, { message: 'Not found' }];
    case '/api/v1/history/events':
      return [200, []];
    default:
      return [404, { message: 'Not found' }];
  }
};

/** What an EOS M 290 answers on EOSCONNECT v6 (`/api/v6/`) when idle. */
export const eosV6Routes: JsonRoutes = (path) => {
  switch (path) {
    case '/api/v6/machine':
      return [
        200,
        {
          serialNumber: 'SI2381',
          machineType: 'EOS M 290',
          softwareVersion: '6.1',
          state: 'ready',
          errors: [],
        },
      ];
    case '/api/v6/jobs':
      return [200, { jobs: [], hasMore: false }];
    default:
      return [404, { error: 'not found' }];
  }
};

/**
 * A JSON machine on HTTP (or HTTPS with `tls`), healthy until `mode` says otherwise. Counts what it
 * sent; `onRequest` sees every request as it arrives (the healthy-machine probe uses it).
 */
export class HostileJsonMachine {
  mode: HttpHostility = 'healthy';
  bytesSent = 0;
  requests = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly routes: JsonRoutes,
  ) {}

  static async start(routes: JsonRoutes, tls?: { cert: string; key: string }): Promise<HostileJsonMachine> {
    let machine: HostileJsonMachine | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => machine!.handle(req, res);
    const server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
      : createHttpServer(handler);
    // Node's own guards are not what is tested here: let a request wait for its hostile answer.
    server.requestTimeout = 0;
    const port = await listen(server);
    machine = new HostileJsonMachine(server, port, routes);
    track(server, machine.sockets, tls ? 'secureConnection' : 'connection');
    return machine;
  }

  get host(): string {
    return '127.0.0.1';
  }

  async close(): Promise<void> {
    await shut(this.server, this.sockets);
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    this.requests++;
    const path = (req.url ?? '/').split('?')[0]!;
    res.on('error', () => undefined);
    const sent = (n: number) => (this.bytesSent += n);
    const body = (status: number, text: string | Buffer) => {
      const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
      sent(bytes.length);
      res
        .writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length })
        .end(bytes);
    };
    switch (this.mode) {
      case 'healthy': {
        const [status, document] = this.routes(path);
        return body(status, JSON.stringify(document));
      }
      case 'oversized-stream':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"status":"idle","padding":"');
        return pump(res, FILLER, 40 * MB, sent, () => res.end('"}'));
      case 'huge-declared': {
        const declared = 700 * MB;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': declared });
        return pump(res, FILLER, declared, sent, () => res.end());
      }
      case 'deep-json':
        return body(200, DEEP_JSON);
      case 'invalid-utf8':
        return body(
          200,
          Buffer.concat([
            Buffer.from('{"status": '),
            Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]),
            Buffer.from('}'),
          ]),
        );
      case 'truncated-json':
        return body(200, JSON.stringify(this.routes(path)[1]).slice(0, 25));
      case 'wrong-types':
        return body(
          200,
          JSON.stringify({
            status: 42,
            bed: 'hot',
            heads: { 0: null },
            firmware: 5,
            serialNumber: [],
            machineType: {},
            state: null,
            jobs: 'none',
          }),
        );
      case 'proto-keys': {
        const [, document] = this.routes(path);
        return body(200, `{"__proto__": ${JSON.stringify(document)}}`);
      }
      case 'stall-mid-body':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
        res.write('{"status": "idle", "bed": {"tempera');
        return; // and nothing more, the connection held open
    }
  }
}
