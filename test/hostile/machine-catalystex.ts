/**
 * A hostile CatalystEX status port (a Stratasys printer's 64-byte NUL-padded packets, then
 * `status.sts`), one `GetFile` exchange per connection: healthy until switched to a hostile mode,
 * then lying about sizes, flooding, dribbling, resetting mid-file or answering something else. Used
 * by `catalystex-machines.test.ts` against the agent as it ships.
 */
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { type Expectation, MB } from './machine-kit.ts';

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
