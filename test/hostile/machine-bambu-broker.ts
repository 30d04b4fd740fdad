/**
 * A hostile Bambu Lab printer: its own MQTT broker over TLS, written out byte by byte so that it
 * can declare a packet it never sends whole. Healthy until switched to a hostile mode, then pushing
 * deep, huge, ever-growing, non-JSON or flooding reports. Used by `mqtt-logs-tcp-machines.test.ts`
 * (and `bench/flood-process.ts`) against the agent as it ships.
 */
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { SelfSignedCertificate } from '../../src/collectors/sdk/simulator/self-signed-certificate.ts';
import { remainingLength } from '../helpers/mqtt-wire.ts';
import { deepJson, type Expectation, FILLER, listen, MB, shut, track } from './machine-kit.ts';

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
