/**
 * Hostile vendor APIs on HTTP/JSON: the vendor clouds of Formlabs, Markforged and Carbon, and the
 * assumed local APIs of HP Multi Jet Fusion and Addiguru (one profile each). Healthy until switched
 * to a hostile mode, then answering what a broken firmware, a proxy or a fuzzer sends. Used by
 * `vendor-api-machines.test.ts` against the agent as it ships.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEEP_JSON, type Expectation, FILLER, MB, pump } from './machine-kit.ts';

export type VendorHostility =
  | 'healthy'
  /** 40 MB of JSON-looking text, chunked, as fast as the agent reads it. */
  | 'oversized-stream'
  /** `content-length: 700 MB`, then those bytes as fast as the agent reads them. */
  | 'huge-declared'
  /** A document nested 20,000 levels deep. */
  | 'deep-json'
  /** A proxy's or captive portal's HTML page, `text/html`, status 200. */
  | 'html-page'
  /** Binary bytes (not UTF-8), `application/octet-stream`. */
  | 'binary'
  /** The machine's list, 20,001 entries long (the schemas allow 10,000 or fewer). */
  | 'huge-array'
  /** The healthy document's shape with numbers where strings belong. */
  | 'numbers-for-strings'
  /** Headers promising 10,000 bytes, 200 of them, then the connection reset. */
  | 'reset-mid-body'
  /** Headers and part of the body, then nothing, the connection held open. */
  | 'stall-mid-body'
  /** A chunked body, one byte every 200 ms, that never ends. */
  | 'dribble';

/** What the agent must show for each hostility (`live.lastError`, the snapshot state). */
export const VENDOR_EXPECTED: Record<Exclude<VendorHostility, 'healthy'>, Expectation> = {
  'oversized-stream': { error: /larger than 16 MB/, state: /^error$/ },
  'huge-declared': { error: /larger than 16 MB/, state: /^error$/ },
  'deep-json': { error: /nested deeper than 64 levels/, state: /^error$/ },
  'html-page': { error: /not JSON/, state: /^error$/ },
  binary: { error: /not JSON/, state: /^error$/ },
  'huge-array': { error: /unexpected answer \(/, state: /^error$/ },
  'numbers-for-strings': { error: /unexpected answer \(/, state: /^error$/ },
  'reset-mid-body': { error: /ECONNRESET|aborted|socket hang up|closed/, state: /^(offline|error)$/ },
  'stall-mid-body': { error: /no answer|did not answer within|timed out/, state: /^offline$/ },
  dribble: { error: /no answer|did not answer within|timed out/, state: /^offline$/ },
};

/** A vendor's API as the fakes serve it. */
export interface VendorProfile {
  /** The healthy answer to `method path` (query removed): status and document. */
  healthy(method: string, path: string): [number, unknown];
  /** Requests that stay healthy whatever the mode (a login, a token). */
  alwaysHealthy?(method: string, path: string): boolean;
  /** The healthy shape with numbers where strings belong. */
  numbersForStrings: unknown;
  /** The healthy shape with its list `n` entries long. */
  hugeArray(n: number): unknown;
}

export const SERIAL = 'HOSTILE-0001';

export const formlabsProfile: VendorProfile = {
  healthy: (method, path) => {
    if (method === 'POST' && path.endsWith('/o/token/'))
      return [200, { access_token: 'hostile-token', token_type: 'Bearer', expires_in: 86_400 }];
    if (path.endsWith('/printers/'))
      return [
        200,
        [
          {
            serial: SERIAL,
            alias: 'hostile form 4',
            machine_type_id: 'FORM-4-0',
            firmware_version: '1.9.0',
            printer_status: { status: 'IDLE', current_print_run: null },
          },
        ],
      ];
    return [404, { detail: 'not found' }];
  },
  alwaysHealthy: (method) => method === 'POST',
  numbersForStrings: [{ serial: 4711, alias: 12, printer_status: { status: 3 } }],
  hugeArray: (n) => Array.from({ length: n }, () => ({})),
};

export const markforgedProfile: VendorProfile = {
  healthy: (_method, path) =>
    path.endsWith('/devices')
      ? [200, [{ id: 'dev-1', serial: SERIAL, name: 'hostile mark two', type: 'Mark Two', status: 'IDLE' }]]
      : [404, { detail: 'not found' }],
  numbersForStrings: [{ id: 1, serial: 2, name: 3, status: 4 }],
  hugeArray: (n) => Array.from({ length: n }, () => ({})),
};

export const carbonProfile: VendorProfile = {
  healthy: (_method, path) =>
    path.endsWith('/printers')
      ? [
          200,
          {
            limit: 1000,
            offset: 0,
            total_count: 1,
            printers: [
              {
                serial: SERIAL,
                name: 'hostile m2',
                hw_type: 'M2',
                status: { printer_state: 'IDLE', alerts: [], software_version: '1.2.3' },
                prints: { queue_length: 0 },
              },
            ],
          },
        ]
      : [404, { detail: 'not found' }],
  numbersForStrings: { printers: [{ serial: 42, status: { printer_state: 1, alerts: [2] } }] },
  hugeArray: (n) => ({ total_count: n, printers: Array.from({ length: n }, () => ({})) }),
};

export const hpMjfProfile: VendorProfile = {
  healthy: (_method, path) =>
    path === '/api/v1/status'
      ? [
          200,
          {
            printer: { serial: SERIAL, model: 'Jet Fusion 5200', firmware: '3.1', name: 'hostile mjf' },
            state: 'idle',
            materials: [{ slot: 'powder', name: 'PA 12', level_percent: 80 }],
            alerts: [],
          },
        ]
      : [404, { error: 'not found' }],
  numbersForStrings: { printer: { serial: 5, model: 6 }, state: 3, alerts: [{ code: 1, severity: 2 }] },
  hugeArray: (n) => ({ state: 'idle', alerts: Array.from({ length: n }, () => ({})) }),
};

export const addiguruProfile: VendorProfile = {
  healthy: (method, path) => {
    if (method === 'POST' && path === '/api/auth/login') return [200, { token: 'hostile', expires_in: 3600 }];
    if (path === '/api/status')
      return [
        200,
        {
          hub: { name: 'hostile hub', serial: SERIAL, version: '2.0' },
          state: 'idle',
          printers: [{ id: 'p1', name: 'M 290', state: 'idle' }],
          active_analyses: 0,
          errors: [],
        },
      ];
    if (path === '/api/analyses') return [200, { analyses: [], has_more: false }];
    return [404, { error: 'not found' }];
  },
  alwaysHealthy: (method) => method === 'POST',
  numbersForStrings: { hub: { name: 1, serial: 2 }, state: 5, errors: [6] },
  hugeArray: (n) => ({ state: 'idle', printers: Array.from({ length: n }, (_, i) => ({ id: i })) }),
};

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Login required</title></head><body><form action="/login">' +
  '<input name="user"></form></body></html>';
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 197 + 91) & 0xff));

/**
 * A vendor's API on HTTP, answering what `mode` says (requests the profile keeps healthy aside).
 * Counts requests and bytes sent.
 */
export class HostileVendorApi {
  mode: VendorHostility = 'healthy';
  bytesSent = 0;
  requests = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly profile: VendorProfile,
  ) {}

  static async start(profile: VendorProfile): Promise<HostileVendorApi> {
    let api: HostileVendorApi | undefined;
    const server = createHttpServer((req, res) => api!.handle(req, res));
    server.requestTimeout = 0;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    api = new HostileVendorApi(server, (server.address() as AddressInfo).port, profile);
    server.on('connection', (socket: Socket) => {
      api!.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => api!.sockets.delete(socket));
    });
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    this.requests++;
    req.resume();
    res.on('error', () => undefined);
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const sent = (n: number) => (this.bytesSent += n);
    const body = (status: number, data: string | Buffer, type = 'application/json') => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
      sent(bytes.length);
      res.writeHead(status, { 'content-type': type, 'content-length': bytes.length }).end(bytes);
    };
    const healthy = () => {
      const [status, document] = this.profile.healthy(method, path);
      return body(status, JSON.stringify(document));
    };
    if (this.mode === 'healthy' || this.profile.alwaysHealthy?.(method, path)) return healthy();
    switch (this.mode) {
      case 'oversized-stream':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"padding":"');
        return pump(res, FILLER, 40 * MB, sent, () => res.end('"}'));
      case 'huge-declared': {
        const declared = 700 * MB;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': declared });
        return pump(res, FILLER, declared, sent, () => res.end());
      }
      case 'deep-json':
        return body(200, DEEP_JSON);
      case 'html-page':
        return body(200, HTML_PAGE, 'text/html; charset=utf-8');
      case 'binary':
        return body(200, BINARY, 'application/octet-stream');
      case 'huge-array':
        return body(200, JSON.stringify(this.profile.hugeArray(20_001)));
      case 'numbers-for-strings':
        return body(200, JSON.stringify(this.profile.numbersForStrings));
      case 'reset-mid-body': {
        const [, document] = this.profile.healthy('GET', path);
        const text = JSON.stringify(document).padEnd(200, ' ').slice(0, 200);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
        sent(200);
        res.write(text, () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
        return;
      }
      case 'stall-mid-body':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
        res.write('{"printers": [{"serial": "HOST');
        return; // and nothing more, the connection held open
      case 'dribble': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
        const timer = setInterval(() => {
          if (res.destroyed || res.writableEnded) {
            clearInterval(timer);
            this.timers.delete(timer);
            return;
          }
          sent(1);
          res.write(' ');
        }, 200);
        this.timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          this.timers.delete(timer);
        });
        return;
      }
    }
  }
}
