/**
 * A hostile Haas control (Q-commands over TCP): healthy until switched to a hostile mode, then
 * pouring noise that never forms a frame or answering with frames that never end. Used by
 * `mqtt-logs-tcp-machines.test.ts` against the agent as it ships.
 */
import { createServer as createTcpServer, type Socket } from 'node:net';
import { type Expectation, listen, MB, shut, track } from './machine-kit.ts';

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
