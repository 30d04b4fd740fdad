import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';

const STX = '\u0002';
const ETB = '\u0017';

export type HaasFault = 'silence' | 'garbage' | null;

/** How the simulated control words its answers (the sources disagree; real controls differ). */
export interface HaasSimulatorOptions {
  /**
   * `stx-etb`: STX text ETB CR LF `>` (RS-232). `ngc-ethernet`: text CR LF `>` with no frame, as
   * the NGC's Ethernet Q-command port answers (each answer then follows the previous `>`).
   */
  framing?: 'stx-etb' | 'ngc-ethernet';
  /** `value`: `MACRO, 8000.000000`; `variable-value`: `MACRO, 3027, 8000.000000`; `garbled`: `MACRO, ###`. */
  macroAnswer?: 'value' | 'variable-value' | 'garbled';
  /** While a program runs, `?Q500` answers `PROGRAM, O01234, BUSY, PARTS, n` or `STATUS, BUSY`. */
  busyAnswer?: 'program' | 'status';
}

/**
 * A Haas VF-2 with the NGC control answering Q-commands (Setting 143 on), on the real
 * transports: a serial port (one end of a socat pseudo-terminal pair) and the Ethernet
 * Q-command port (TCP). It runs programs (cycle, feed hold, alarm), counts parts, and plays the
 * faults silence and garbage; unplugging is the pty pair's.
 */
export class HaasSimulator {
  status: 'IDLE' | 'BUSY' | 'FEED HOLD' | 'ALARM ON' = 'IDLE';
  program = 'O00000';
  parts = 0;
  spindle = 0;
  lastCycle = '00000:00:00';
  fault: HaasFault = null;
  private server: Server | undefined;
  private serial: SerialPort | undefined;
  private readonly sockets = new Set<Socket>();
  private cycle: NodeJS.Timeout | undefined;

  readonly serialNumber = '1234567';
  private readonly options: Required<HaasSimulatorOptions>;

  constructor(options: HaasSimulatorOptions = {}) {
    this.options = { framing: 'stx-etb', macroAnswer: 'value', busyAnswer: 'program', ...options };
  }

  /** Runs `program` for `ms`, then counts a part and goes idle. */
  runProgram(program: string, ms: number): void {
    this.program = program;
    this.status = 'BUSY';
    this.spindle = 8000;
    clearTimeout(this.cycle);
    const started = Date.now();
    this.cycle = setTimeout(() => {
      this.parts++;
      this.status = 'IDLE';
      this.spindle = 0;
      const s = Math.round((Date.now() - started) / 1000);
      this.lastCycle = `${String(Math.floor(s / 3600)).padStart(5, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
    }, ms);
  }

  feedHold(): void {
    if (this.status === 'BUSY') this.status = 'FEED HOLD';
  }

  alarm(): void {
    clearTimeout(this.cycle);
    this.status = 'ALARM ON';
    this.spindle = 0;
  }

  reset(): void {
    this.status = 'IDLE';
  }

  /** Answers on the machine end of a serial line. */
  async attachSerial(path: string): Promise<void> {
    const port = new SerialPort({
      path,
      baudRate: 9600,
      dataBits: 7,
      parity: 'even',
      stopBits: 1,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('error', () => undefined);
    this.serial = port;
    this.serve(
      (text) => port.write(text),
      (listener) => port.on('data', listener),
    );
  }

  /** Re-opens the serial end after the cable came back. */
  async reattachSerial(path: string): Promise<void> {
    await this.detachSerial();
    await this.attachSerial(path);
  }

  async detachSerial(): Promise<void> {
    const port = this.serial;
    this.serial = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }

  /** Listens on TCP as the control's Q-command port does. */
  async listenTcp(): Promise<number> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      this.serve(
        (text) => socket.write(text),
        (listener) => socket.on('data', listener),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    clearTimeout(this.cycle);
    await this.detachSerial();
    for (const socket of this.sockets) socket.destroy();
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  private serve(write: (text: string) => void, onData: (listener: (chunk: Buffer) => void) => void): void {
    let line = '';
    onData((chunk) => {
      line += chunk.toString('latin1');
      let end = line.search(/[\r\n]/);
      while (end >= 0) {
        const request = line.slice(0, end).trim();
        line = line.slice(end + 1);
        if (request) this.answer(request, write);
        end = line.search(/[\r\n]/);
      }
    });
  }

  private answer(request: string, write: (text: string) => void): void {
    if (this.fault === 'silence') return;
    if (this.fault === 'garbage') {
      write('\u00ff\u00fe#@!\r\n>');
      return;
    }
    const text = this.reply(request.replace(/^\?/, '').toUpperCase());
    write(this.options.framing === 'ngc-ethernet' ? `${text}\r\n>` : `${STX}${text}${ETB}\r\n>`);
  }

  private reply(q: string): string {
    if (q === 'Q100') return `SERIAL NUMBER, ${this.serialNumber}`;
    if (q === 'Q101') return 'SOFTWARE VERSION, 100.21.000.1037';
    if (q === 'Q102') return 'MODEL, VF2';
    if (q === 'Q104') return `MODE, ${this.status === 'IDLE' ? 'MDI' : 'MEM'}`;
    if (q === 'Q303') return `LAST CYCLE, ${this.lastCycle}`;
    if (q === 'Q500') {
      if (this.status === 'BUSY' && this.options.busyAnswer === 'status') return 'STATUS, BUSY';
      return `PROGRAM, ${this.program}, ${this.status}, PARTS, ${this.parts}`;
    }
    const macro = /^Q600 (\d+)$/.exec(q);
    if (macro) {
      const value = (macro[1] === '3027' ? this.spindle : 0).toFixed(6);
      if (this.options.macroAnswer === 'garbled') return 'MACRO, ###';
      return this.options.macroAnswer === 'variable-value'
        ? `MACRO, ${macro[1]}, ${value}`
        : `MACRO, ${value}`;
    }
    return 'UNKNOWN';
  }
}
