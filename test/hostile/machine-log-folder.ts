/**
 * A hostile log folder: a machine PC writing its log (EOS format) to a folder, healthy lines on
 * demand, and the two hostile lines of issue 9 (a line that never ends, a line of one word
 * repeated). Used by `mqtt-logs-tcp-machines.test.ts` against the agent as it ships.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
