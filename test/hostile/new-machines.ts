/**
 * Hostile fakes for the collectors of issue 15 (CatalystEX's status port, the vendor clouds of
 * Formlabs, Markforged and Carbon, and the assumed APIs of HP Multi Jet Fusion and Addiguru), each
 * on its real transport: healthy until switched to a hostile mode, then answering what a broken
 * firmware, a proxy or a fuzzer sends. Used by `new-http-machines.test.ts` and
 * `new-tcp-machines.test.ts` against the agent as it ships.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { deepJson, type Expectation, MB } from './hostile-machines.ts';

/** Writes `chunk` again and again, honouring back-pressure, until `total` bytes or the peer goes. */
function pump(
  stream: Writable,
  chunk: Buffer,
  total: number,
  onSent: (n: number) => void,
  then?: () => void,
) {
  let sent = 0;
  const write = () => {
    while (sent < total && !stream.destroyed) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
      sent += piece.length;
      onSent(piece.length);
      if (!stream.write(piece)) {
        stream.once('drain', write);
        return;
      }
    }
    if (sent >= total && !stream.destroyed) then?.();
  };
  stream.on('error', () => undefined);
  write();
}

const FILLER = Buffer.alloc(MB, 'x');
const DEEP_JSON = deepJson(20_000);

// ---------------------------------------------------------------------------------------------
// HTTP/JSON: the vendor clouds and the assumed local APIs.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// CatalystEX: a Stratasys printer's status port (64-byte NUL-padded packets, then status.sts).
// ---------------------------------------------------------------------------------------------

export type CatalystexHostility =
  | 'healthy'
  /** The size packet announces a terabyte. */
  | 'size-huge'
  /** The size packet announces 5,000 bytes, 200 come, then nothing (the connection held open). */
  | 'size-short'
  /** The size packet announces 60 bytes; then 8 MB of junk follow (more than it said). */
  | 'size-overflow'
  /** Every answer packet is 64 bytes of text without a NUL. */
  | 'no-nul'
  /** After the request, 64 KB of packets every 20 ms, without end. */
  | 'flood'
  /** Something else on the port: an HTTP error answer. */
  | 'garbage'
  /** The file announced, half of it sent, then the connection reset. */
  | 'reset-mid-file'
  /** A correct exchange, one byte every 100 ms (never done within the poll timeout). */
  | 'dribble-slow'
  /** A correct exchange, one byte per write, each on the next timer tick: slow, yet complete. */
  | 'dribble-fast'
  /** A correct exchange whose status.sts is `general` with 2 M nested braces (4 MB). */
  | 'deep-braces';

/** The hostilities that must fail their machine, and how. */
export const CATALYSTEX_EXPECTED: Record<
  Exclude<CatalystexHostility, 'healthy' | 'dribble-fast' | 'deep-braces'>,
  Expectation
> = {
  'size-huge': { error: /announced status\.sts of 1099511627776 bytes, more than the/, state: /^error$/ },
  'size-short': { error: /no answer|did not answer within|timed out/, state: /^offline$/ },
  'size-overflow': {
    error: /holds no machineStatus section|sent more than the exchange allows/,
    state: /^error$/,
  },
  'no-nul': { error: /answered "SendFileSendFile.*" to GetFile status\.sts/, state: /^error$/ },
  // The first packet of junk is taken as the answer to GetFile, or the junk fills the reader first.
  flood: { error: /sent more than the exchange allows|answered "J+…" to GetFile/, state: /^error$/ },
  garbage: { error: /answered "HTTP\/1\.1 400 Bad Request.*" to GetFile/, state: /^error$/ },
  'reset-mid-file': {
    error: /closed the connection while sending status\.sts \(\d+ of \d+ bytes arrived\)|ECONNRESET/,
    state: /^offline$/,
  },
  'dribble-slow': { error: /no answer|did not answer within|timed out/, state: /^offline$/ },
};

const PACKET = 64;

function packet(text: string): Buffer {
  const out = Buffer.alloc(PACKET);
  out.write(text, 'latin1');
  return out;
}

/** What an idle uPrint SE Plus writes in `status.sts`. */
export function idleStatusFile(): string {
  return (
    'set machineStatus(general) {\n\t-modelerStatus Idle\n\t-modelerType {uPrint SE Plus}\n\t-controllerVersion 12.4.3152.0\n' +
    '\t-partCurrentTemp 70\n\t-partSetTemp 70\n\t-envelopeCurrentTemp 77\n\t-envelopeSetTemp 77\n};\n' +
    'set machineStatus(currentJob) {\n\t-jobName {}\n};\n' +
    'set machineStatus(queue) { };\n' +
    'set machineStatus(mariner) {\n\t-internalState sttIdle\n\t-productSerialNumber UPSE-HOSTILE\n};\n'
  );
}

const DEEP_BRACES = Buffer.from(
  `set machineStatus(general) {-modelerStatus ${'{'.repeat(2 * MB)}Idle${'}'.repeat(2 * MB)}};\n`,
  'latin1',
);
const JUNK = Buffer.alloc(64 * 1024, 'J');

/** A CatalystEX printer's status port, one `GetFile` exchange per connection. */
export class HostileCatalystex {
  mode: CatalystexHostility = 'healthy';
  bytesSent = 0;
  /** Exchanges answered with a whole file. */
  served = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: import('node:net').Server,
    readonly port: number,
  ) {}

  static async start(): Promise<HostileCatalystex> {
    let machine: HostileCatalystex | undefined;
    const server = createTcpServer((socket) => machine!.serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    machine = new HostileCatalystex(server, (server.address() as AddressInfo).port);
    return machine;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private every(ms: number, socket: Socket, step: () => boolean): void {
    const timer = setInterval(() => {
      if (socket.destroyed || !step()) {
        clearInterval(timer);
        this.timers.delete(timer);
      }
    }, ms);
    this.timers.add(timer);
    socket.on('close', () => {
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }

  /** Writes `bytes` one byte at a time, every `ms` (0: each on the next timer tick). */
  private dribble(socket: Socket, bytes: Buffer, ms: number): void {
    let at = 0;
    this.every(ms, socket, () => {
      if (at >= bytes.length) return false;
      socket.write(bytes.subarray(at, at + 1));
      this.bytesSent++;
      at++;
      return true;
    });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const mode = this.mode;
    const write = (bytes: Buffer) => {
      if (socket.destroyed) return;
      this.bytesSent += bytes.length;
      socket.write(bytes);
    };
    let buffer = Buffer.alloc(0);
    let phase: 'request' | 'size' | 'data' | 'done' = 'request';
    const file = Buffer.from(mode === 'deep-braces' ? '' : idleStatusFile(), 'latin1');
    const content = mode === 'deep-braces' ? DEEP_BRACES : file;
    const answer = (bytes: Buffer) => {
      if (mode === 'dribble-fast') return this.dribble(socket, bytes, 1);
      if (mode === 'dribble-slow') return this.dribble(socket, bytes, 100);
      write(bytes);
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > 64 * PACKET) return void socket.destroy();
      while (buffer.length >= PACKET) {
        const raw = buffer.subarray(0, PACKET);
        buffer = buffer.subarray(PACKET);
        const end = raw.indexOf(0);
        const text = raw.subarray(0, end < 0 ? PACKET : end).toString('latin1');
        if (phase === 'request') {
          if (text !== 'NA') continue;
          phase = 'size';
          switch (mode) {
            case 'no-nul':
              write(Buffer.from('SendFile'.repeat(8), 'latin1'));
              write(Buffer.from('NANANANA'.repeat(8), 'latin1'));
              continue;
            case 'flood':
              this.every(20, socket, () => {
                if (socket.writableLength < MB) write(JUNK);
                return true;
              });
              continue;
            case 'garbage':
              write(
                Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'.padEnd(PACKET * 2, ' ')),
              );
              continue;
            default:
              // dribbled modes send the whole exchange as one dribble, in order
              if (mode === 'dribble-fast' || mode === 'dribble-slow') {
                answer(Buffer.concat([packet('SendFile'), packet('status.sts'), packet('NA')]));
                continue;
              }
              write(Buffer.concat([packet('SendFile'), packet('status.sts'), packet('NA')]));
              continue;
          }
        }
        if (phase === 'size' && text === 'OK') {
          phase = 'data';
          const size =
            mode === 'size-huge'
              ? '1099511627776'
              : mode === 'size-short' || mode === 'reset-mid-file'
                ? '5000'
                : mode === 'size-overflow'
                  ? '60'
                  : String(content.length);
          answer(packet(size));
          continue;
        }
        if (phase === 'data' && text === 'OK') {
          phase = 'done';
          switch (mode) {
            case 'size-short':
              write(file.subarray(0, 200));
              continue; // and nothing more
            case 'size-overflow':
              this.every(10, socket, () => {
                if (socket.writableLength < MB) write(JUNK);
                return true;
              });
              continue;
            case 'reset-mid-file':
              write(Buffer.concat([file, Buffer.alloc(5000)]).subarray(0, 2500));
              setTimeout(() => socket.resetAndDestroy(), 20);
              continue;
            default:
              answer(content);
              this.served++;
          }
        }
      }
    });
  }
}
