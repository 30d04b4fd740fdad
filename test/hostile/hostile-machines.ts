/**
 * Hostile fake machines, one per collector transport, each on its real transport (real sockets, a
 * real folder): they behave like a normal machine until switched to a hostile mode, then send what
 * a broken, buggy or malicious machine sends. Used by the suite in this folder against the agent
 * as it ships (`echo-agent run` in a child process).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import {
  type SelfSignedCertificate,
  selfSignedCertificate,
} from '../../src/collectors/sdk/simulator/self-signed-certificate.ts';
import { remainingLength } from '../helpers/mqtt-wire.ts';

export const MB = 1024 * 1024;

/** What the agent must show for a hostile machine: its `live.lastError` and snapshot state. */
export interface Expectation {
  error: RegExp;
  state: RegExp;
  /**
   * The machine recovers between failures by design: the error must recur during the attack
   * (seen, with at least two failures), rather than be the one shown at the end.
   */
  recurring?: boolean;
}

/** `{"a":{"a":…1…}}`, `levels` deep: 20,000 levels is 120 KB of text. */
export function deepJson(levels: number, key = 'a'): string {
  return `${`{"${key}":`.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** Writes `chunk` again and again, honouring back-pressure, until `total` bytes or the peer goes. */
function pump(
  stream: Writable,
  chunk: Buffer,
  total: number,
  onSent: (bytes: number) => void,
  then?: () => void,
): void {
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

async function listen(server: Server | import('node:net').Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** Closes a server and every connection it holds. */
async function shut(server: import('node:net').Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function track(server: import('node:net').Server, sockets: Set<Socket>, event = 'connection'): void {
  server.on(event, (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP (JSON): an Ultimaker-shaped printer, and the same hostility behind HTTPS for EOSCONNECT v6.
// ---------------------------------------------------------------------------------------------

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

const DEEP_JSON = deepJson(20_000);
/** 1 MB of JSON string content, reused for every streamed megabyte. */
const FILLER = Buffer.alloc(MB, 'x');

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

// ---------------------------------------------------------------------------------------------
// MTConnect (HTTP/XML): a Stratasys F370's agent.
// ---------------------------------------------------------------------------------------------

export type MtconnectHostility = 'healthy' | 'deep-xml' | 'endless-body';

export const MTCONNECT_EXPECTED: Record<Exclude<MtconnectHostility, 'healthy'>, Expectation> = {
  'deep-xml': { error: /not XML/, state: /^error$/ },
  'endless-body': { error: /larger than 16 MB/, state: /^error$/ },
};

const STREAMS_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?><MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.2">' +
  '<Header creationTime="2024-05-02T10:00:00Z" sender="hostile" instanceId="7" version="2.2.0" bufferSize="1000" firstSequence="1" lastSequence="3" nextSequence="4"/>';

function streamsDocument(): string {
  return (
    `${STREAMS_HEAD}<Streams><DeviceStream name="F370" uuid="F370-HOSTILE"><ComponentStream component="Device" name="F370">` +
    '<Events><Availability dataItemId="avail" sequence="1" timestamp="2024-05-02T10:00:00Z">AVAILABLE</Availability>' +
    '<Execution dataItemId="exec" sequence="2" timestamp="2024-05-02T10:00:00Z">READY</Execution>' +
    '<SerialNumber dataItemId="sn" sequence="3" timestamp="2024-05-02T10:00:00Z">F370-HOSTILE</SerialNumber></Events>' +
    '</ComponentStream></DeviceStream></Streams></MTConnectStreams>'
  );
}

const DEEP_XML = `${STREAMS_HEAD}<Streams>${'<DeviceStream>'.repeat(20_000)}${'</DeviceStream>'.repeat(20_000)}</Streams></MTConnectStreams>`;
/** Observations without end: 1 MB of them, sent again and again. */
const XML_FILLER = Buffer.from(
  '<Execution dataItemId="exec" sequence="2" timestamp="2024-05-02T10:00:00Z">ACTIVE</Execution>'
    .repeat(Math.ceil(MB / 96))
    .slice(0, MB),
);

/** An MTConnect agent (`/current`, `/sample`) that answers deep XML or a body that never ends. */
export class HostileMtconnect {
  mode: MtconnectHostility = 'healthy';
  bytesSent = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<HostileMtconnect> {
    let machine: HostileMtconnect | undefined;
    const server = createHttpServer((req, res) => machine!.handle(req, res));
    server.requestTimeout = 0;
    const port = await listen(server);
    machine = new HostileMtconnect(server, port);
    track(server, machine.sockets);
    return machine;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async close(): Promise<void> {
    await shut(this.server, this.sockets);
  }

  private handle(_req: IncomingMessage, res: ServerResponse) {
    res.on('error', () => undefined);
    const sent = (n: number) => (this.bytesSent += n);
    const xml = (text: string) => {
      sent(Buffer.byteLength(text));
      res.writeHead(200, { 'content-type': 'application/xml' }).end(text);
    };
    switch (this.mode) {
      case 'healthy':
        return xml(streamsDocument());
      case 'deep-xml':
        return xml(DEEP_XML);
      case 'endless-body':
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.write(`${STREAMS_HEAD}<Streams><DeviceStream><ComponentStream><Events>`);
        return pump(res, XML_FILLER, Number.MAX_SAFE_INTEGER, sent);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// MQTT over TLS: a Bambu Lab printer's own broker, written out byte by byte so that it can declare
// a packet it never sends whole.
// ---------------------------------------------------------------------------------------------

export type BambuHostility =
  | 'healthy'
  | 'deep-report'
  | 'huge-packet'
  | 'ever-new-keys'
  | 'not-json'
  /** Healthy reports as fast as the socket takes them (thousands a second). */
  | 'flood';

export const BAMBU_EXPECTED: Record<Exclude<BambuHostility, 'healthy'>, Expectation> = {
  'deep-report': { error: /nested deeper than 32 levels/, state: /^error$/ },
  'huge-packet': { error: /larger than 16 MB/, state: /^error$/ },
  // By design the printer is reconnected with a fresh, empty state, which then grows again: it
  // fails again and again, and between two failures it is connected.
  'ever-new-keys': { error: /grew past 10000 fields/, state: /^error$/, recurring: true },
  'not-json': { error: /not JSON/, state: /^error$/ },
  // Reconnected after its backoff, it floods again: failed again each time.
  flood: { error: /more than 200 reports in a second/, state: /^error$/, recurring: true },
};

/** A QoS 0 PUBLISH packet's fixed and variable header, for a payload of `payloadLength` bytes. */
function publishHeader(topic: string, payloadLength: number): Buffer {
  const name = Buffer.from(topic);
  const topicField = Buffer.concat([Buffer.from([name.length >> 8, name.length & 0xff]), name]);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(topicField.length + payloadLength), topicField]);
}

const DEEP_REPORT = Buffer.from(`{"print":${deepJson(20_000)}}`);
const NOT_JSON = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x7b, 0x22, 0x70, 0x72]);

interface MqttSession {
  socket: TLSSocket;
  subscribed: boolean;
  /** Set once this connection got its oversized packet header: nothing more can be sent on it. */
  poisoned: boolean;
}

/**
 * A Bambu printer's MQTT broker over TLS (user `bblp`, any access code): CONNECT, SUBSCRIBE,
 * PUBLISH (the agent's `pushall` and `get_version` requests), PINGREQ, DISCONNECT. Healthy, it
 * answers like an idle X1 Carbon and pushes a temperature each second; hostile, it answers every
 * `pushall` and pushes, each second (every 100 ms for new keys), what its mode says.
 */
export class HostileBambuBroker {
  mode: BambuHostility = 'healthy';
  bytesSent = 0;
  connections = 0;
  private readonly sessions = new Set<MqttSession>();
  private readonly sockets = new Set<Socket>();
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;
  private keyRound = 0;

  private constructor(
    private readonly server: import('node:tls').Server,
    readonly port: number,
    readonly serial: string,
    readonly fingerprint: string,
  ) {
    this.timer = setInterval(() => this.tick(), 100);
  }

  static async start(certificate: SelfSignedCertificate, serial: string): Promise<HostileBambuBroker> {
    let broker: HostileBambuBroker | undefined;
    const server = createTlsServer({ cert: certificate.cert, key: certificate.key }, (socket) =>
      broker!.accept(socket),
    );
    const port = await listen(server);
    broker = new HostileBambuBroker(server, port, serial, certificate.fingerprint256);
    track(server, broker.sockets, 'secureConnection');
    return broker;
  }

  get host(): string {
    return '127.0.0.1';
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await shut(this.server, this.sockets);
  }

  private get topic(): string {
    return `device/${this.serial}/report`;
  }

  private accept(socket: TLSSocket): void {
    this.connections++;
    const session: MqttSession = { socket, subscribed: false, poisoned: false };
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        // Fixed header: type byte, then the remaining length (1 to 4 bytes).
        let length = 0;
        let multiplier = 1;
        let at = 1;
        let complete = false;
        while (at < buffer.length && at <= 4) {
          const byte = buffer[at++]!;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          if ((byte & 0x80) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || buffer.length < at + length) return;
        const type = buffer[0]! >> 4;
        const flags = buffer[0]! & 0x0f;
        const body = buffer.subarray(at, at + length);
        buffer = buffer.subarray(at + length);
        this.packet(session, type, flags, body);
      }
    });
  }

  private packet(session: MqttSession, type: number, flags: number, body: Buffer): void {
    const { socket } = session;
    switch (type) {
      case 1: // CONNECT → CONNACK, accepted
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        return;
      case 8: {
        // SUBSCRIBE → SUBACK, QoS 0 granted for the one filter
        socket.write(Buffer.from([0x90, 0x03, body[0]!, body[1]!, 0x00]));
        session.subscribed = true;
        return;
      }
      case 3: {
        // PUBLISH from the agent: a request on device/<serial>/request
        const topicLength = body.readUInt16BE(0);
        const qos = (flags >> 1) & 3;
        const payload = body.subarray(2 + topicLength + (qos > 0 ? 2 : 0)).toString();
        this.request(session, payload);
        return;
      }
      case 12: // PINGREQ → PINGRESP
        socket.write(Buffer.from([0xd0, 0x00]));
        return;
      case 14: // DISCONNECT
        socket.end();
        return;
    }
  }

  private request(session: MqttSession, payload: string): void {
    let request: { pushing?: { command?: string }; info?: { command?: string; sequence_id?: string } };
    try {
      request = JSON.parse(payload) as typeof request;
    } catch {
      return;
    }
    if (request.info?.command === 'get_version' && this.mode === 'healthy') {
      this.publish(session, {
        info: {
          command: 'get_version',
          sequence_id: request.info.sequence_id ?? '0',
          module: [{ name: 'ota', sw_ver: '01.08.02.00', sn: this.serial }],
        },
      });
    }
    if (request.pushing?.command === 'pushall') this.push(session, true);
  }

  /** What the printer pushes now: its full state after `pushall`, else per its mode. */
  private push(session: MqttSession, full: boolean): void {
    switch (this.mode) {
      case 'healthy':
        this.publish(
          session,
          full
            ? {
                print: {
                  command: 'push_status',
                  gcode_state: 'IDLE',
                  mc_percent: 0,
                  nozzle_temper: 25,
                  nozzle_target_temper: 0,
                  bed_temper: 24,
                  bed_target_temper: 0,
                  print_error: 0,
                  hms: [],
                  wifi_signal: '-48dBm',
                },
              }
            : { print: { command: 'push_status', nozzle_temper: 25 + (this.ticks % 10) / 10 } },
        );
        return;
      case 'deep-report':
        // Twice: a printer pushes its state again and again, and the second report is merged
        // into the first (where a recursive merge once overflowed the stack and ended the agent).
        this.publishRaw(session, DEEP_REPORT);
        this.publishRaw(session, DEEP_REPORT);
        return;
      case 'not-json':
        this.publishRaw(session, NOT_JSON);
        return;
      case 'ever-new-keys': {
        const round = this.keyRound++;
        const print: Record<string, number> = {};
        for (let i = 0; i < 500; i++) print[`k${round}_${i}`] = i;
        this.publish(session, { print });
        return;
      }
      case 'huge-packet': {
        // Declares 64 MB, sends its header and 1 MB of it, then nothing more on this connection.
        if (session.poisoned) return;
        session.poisoned = true;
        const header = publishHeader(this.topic, 64 * MB);
        this.bytesSent += header.length + MB;
        session.socket.write(header);
        session.socket.write(FILLER);
        return;
      }
    }
  }

  private tick(): void {
    this.ticks++;
    if (this.mode === 'flood') {
      for (const session of this.sessions) if (session.subscribed) this.floodSession(session);
      return;
    }
    const every = this.mode === 'ever-new-keys' ? 1 : 10;
    if (this.ticks % every !== 0) return;
    for (const session of this.sessions) if (session.subscribed) this.push(session, false);
  }

  /** Publishes until the socket pushes back (at most 2,000 reports a tick). */
  private floodSession(session: MqttSession): void {
    for (let i = 0; i < 2000 && !session.socket.writableNeedDrain; i++) {
      this.publish(session, {
        print: { command: 'push_status', nozzle_temper: 200 + (i % 50) / 10, mc_remaining_time: i },
      });
    }
  }

  private publish(session: MqttSession, message: unknown): void {
    this.publishRaw(session, Buffer.from(JSON.stringify(message)));
  }

  private publishRaw(session: MqttSession, payload: Buffer): void {
    if (session.poisoned || session.socket.destroyed) return;
    const header = publishHeader(this.topic, payload.length);
    this.bytesSent += header.length + payload.length;
    session.socket.write(Buffer.concat([header, payload]));
  }
}

// ---------------------------------------------------------------------------------------------
// Log files: a machine PC writing its log to a folder (EOS format).
// ---------------------------------------------------------------------------------------------

/** `02.05.2024 14:03:11 [INFO] message`, as an EOS machine PC writes its log. */
export function eosLine(severity: string, message: string, at = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(at.getDate())}.${p(at.getMonth() + 1)}.${at.getFullYear()} ${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())} [${severity}] ${message}\r\n`;
}

/** A folder with one `machine.log`, healthy lines on demand, and the two hostile lines of issue 9. */
export class HostileLogFolder {
  readonly file: string;
  bytesWritten = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly folder: string) {
    mkdirSync(folder, { recursive: true });
    this.file = join(folder, 'machine.log');
    writeFileSync(this.file, '');
  }

  line(severity: string, message: string): void {
    this.append(eosLine(severity, message));
  }

  append(text: string | Buffer): void {
    appendFileSync(this.file, text);
    this.bytesWritten += Buffer.byteLength(text);
  }

  /**
   * A line that never ends: `bytesPerTick` more of it every `everyMs`, no newline, until `total`
   * bytes were written or `stop()`.
   */
  growEndlessLine(bytesPerTick: number, everyMs: number, total: number): void {
    this.append(eosLine('INFO', 'Exposure data: '));
    // The line above ends in CR LF: start the endless one on its own.
    const piece = Buffer.alloc(bytesPerTick, 'A');
    let written = 0;
    this.timer = setInterval(() => {
      if (written >= total) return this.stop();
      this.append(piece);
      written += piece.length;
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One line of `bytes` of the same word repeated: "build build build …" (issue 9: 80 KB froze the agent). */
  repeatedWordsLine(bytes: number, word = 'build'): void {
    const unit = `${word} `;
    this.append(`${unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes)}\r\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Haas Q-commands over TCP.
// ---------------------------------------------------------------------------------------------

export type HaasHostility = 'healthy' | 'noise' | 'truncated-frames';

export const HAAS_EXPECTED: Record<Exclude<HaasHostility, 'healthy'>, Expectation> = {
  noise: { error: /no answer to \?Q|did not answer within/, state: /^offline$/ },
  'truncated-frames': { error: /no answer to \?Q|did not answer within/, state: /^offline$/ },
};

const STX = '\x02';
const ETB = '\x17';

/** Bytes that are neither STX, ETB, LF, CR nor the `>` prompt: noise that never makes a frame. */
function noise(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) {
    let b = (i * 131 + 17) & 0xff;
    if (b === 0x02 || b === 0x17 || b === 0x0a || b === 0x0d || b === 0x3e) b = 0x41;
    out[i] = b;
  }
  return out;
}

const NOISE = noise(64 * 1024);

/**
 * A Haas control's Q-command port. Healthy, it answers `?Q100` … `?Q600` as a VF-2 in MDI; hostile,
 * it pours out 64 KB of noise every 20 ms that never forms a frame, or answers only with frames that
 * start and never end.
 */
export class HostileHaas {
  mode: HaasHostility = 'healthy';
  bytesSent = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly server: import('node:net').Server,
    readonly port: number,
  ) {
    this.timer = setInterval(() => this.pour(), 20);
  }

  static async start(): Promise<HostileHaas> {
    let machine: HostileHaas | undefined;
    const server = createTcpServer((socket) => machine!.serve(socket));
    const port = await listen(server);
    machine = new HostileHaas(server, port);
    track(server, machine.sockets);
    return machine;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await shut(this.server, this.sockets);
  }

  private pour(): void {
    if (this.mode !== 'noise') return;
    for (const socket of this.sockets) {
      if (socket.writableLength > MB) continue; // the agent reads slower than we pour: wait
      socket.write(NOISE);
      this.bytesSent += NOISE.length;
    }
  }

  private serve(socket: Socket): void {
    let line = '';
    socket.on('data', (chunk: Buffer) => {
      line += chunk.toString('latin1');
      for (let end = line.search(/[\r\n]/); end >= 0; end = line.search(/[\r\n]/)) {
        const request = line.slice(0, end).trim().replace(/^\?/, '').toUpperCase();
        line = line.slice(end + 1);
        if (request) this.answer(socket, request);
      }
    });
  }

  private answer(socket: Socket, q: string): void {
    const write = (text: string) => {
      this.bytesSent += text.length;
      socket.write(text, 'latin1');
    };
    if (this.mode === 'noise') return; // the pour answers everything
    if (this.mode === 'truncated-frames') {
      // The start of an answer, never its end; then the start of another.
      write(`${STX}SERIAL NUMBER, 12`);
      write(`${STX}PROGRAM, O0`);
      return;
    }
    const reply =
      q === 'Q100'
        ? 'SERIAL NUMBER, 1234567'
        : q === 'Q101'
          ? 'SOFTWARE VERSION, 100.21.000.1037'
          : q === 'Q102'
            ? 'MODEL, VF2'
            : q === 'Q104'
              ? 'MODE, MDI'
              : q === 'Q303'
                ? 'LAST CYCLE, 00000:01:30'
                : q === 'Q500'
                  ? 'PROGRAM, O01234, IDLE, PARTS, 380'
                  : q.startsWith('Q600')
                    ? 'MACRO, 0.000000'
                    : 'UNKNOWN';
    write(`${STX}${reply}${ETB}\r\n>`);
  }
}

/** One self-signed certificate for every TLS fake (making one takes a moment). */
export function certificate(commonName: string): Promise<SelfSignedCertificate> {
  return selfSignedCertificate(commonName);
}
