import type { ByteLink } from '../sdk/byte-link.ts';
import { CollectorError } from '../sdk/collector-error.ts';

const STX = 0x02;
const ETB = 0x17;
const LF = 0x0a;
/** What the reader keeps of an answer that has not ended yet (a frame without its ETB, a line). */
const MAX_PENDING = 4096;

/**
 * Haas "Q-commands" (Machine Data Collection, Setting 143 on): a request `?Q<nnn>[ <arg>]` and an
 * answer in one of two framings, accepted on either transport:
 * - STX … ETB, then CR LF and the `>` prompt (RS-232, and the TCP port of some controls);
 * - the bare text, CR LF and the `>` prompt (the NGC Ethernet port), so that each answer starts
 *   after the previous one's `>`.
 * One request at a time: the control answers in order and nothing identifies an answer but its
 * position. The reader scans each byte a bounded number of times and keeps at most 4 KB.
 */
export class QCommandClient {
  private buffer = Buffer.alloc(0);
  private waiting: { resolve(answer: string): void; reject(error: CollectorError): void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly link: ByteLink,
    private readonly where: string,
  ) {
    link.onData((chunk) => this.receive(chunk));
  }

  /** Sends `?Q<code>` and resolves with the answer's text (the frame's or the line's). */
  ask(code: string, signal: AbortSignal): Promise<string> {
    const run = async () => {
      const lost = this.link.lost();
      if (lost) throw lost;
      const answer = new Promise<string>((resolve, reject) => {
        const onAbort = () => {
          this.waiting = undefined;
          reject(new CollectorError('timeout', `${this.where}: no answer to ?${code}`));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiting = {
          resolve: (text) => {
            signal.removeEventListener('abort', onAbort);
            resolve(text);
          },
          reject: (error) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
      });
      // The timeout may fire while the write is still under way (a slow line, a loaded PC): the
      // answer's rejection is handled here, and read again below, so it is never unhandled.
      answer.catch(() => undefined);
      try {
        await this.link.write(`?${code}\r\n`);
      } catch (error) {
        this.waiting = undefined;
        throw error;
      }
      return answer;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private receive(chunk: Buffer): void {
    const buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    // Positions of the next STX and LF at or after `pos`, searched again only once `pos` passed
    // them: every search starts where the last one ended, so each byte is scanned once per kind.
    let pos = 0;
    let stx = -2;
    let lf = -2;
    const next = (byte: number, cached: number) =>
      cached !== -1 && cached < pos ? buffer.indexOf(byte, pos) : cached;
    for (;;) {
      stx = next(STX, stx);
      lf = next(LF, lf);
      if (stx >= 0 && (lf < 0 || stx < lf)) {
        // STX … ETB. A line break inside a frame is part of it.
        const etb = buffer.indexOf(ETB, stx);
        if (etb < 0) {
          this.keep(buffer.subarray(stx));
          return;
        }
        const start = buffer.lastIndexOf(STX, etb);
        const text = buffer
          .subarray(start + 1, etb)
          .toString('latin1')
          .trim();
        pos = etb + 1;
        this.settle(text);
        continue;
      }
      if (lf < 0) {
        this.keep(buffer.subarray(pos));
        return;
      }
      // A line without a frame: the NGC Ethernet answer, the CR LF after a frame, or garbage.
      const line = buffer.subarray(pos, lf);
      pos = lf + 1;
      const text = unframedText(line);
      // A blank line (after a frame or a prompt) or the echo of a request: nobody's answer.
      if (text === '') continue;
      if (text !== undefined) {
        this.settle(text);
        continue;
      }
      const waiting = this.waiting;
      if (!waiting) continue;
      this.waiting = undefined;
      this.buffer = Buffer.alloc(0);
      const shown = line
        .subarray(0, 40)
        .toString('latin1')
        .replace(/^[\s>]+|\s+$/g, '')
        .replace(/[^\x20-\x7e]/g, '?');
      waiting.reject(
        new CollectorError(
          'protocol',
          `${this.where}: the answer is not a Q-command frame ("${shown}"); check the port settings (baud rate, data bits, parity, stop bits against Settings 11–13 and 37) and that Setting 143 is on`,
        ),
      );
      return;
    }
  }

  /** Keeps what may still become an answer; noise that never ends is dropped 4 KB at a time. */
  private keep(rest: Buffer): void {
    this.buffer = rest.length > MAX_PENDING ? Buffer.alloc(0) : Buffer.from(rest);
  }

  private settle(text: string): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(text);
  }
}

/**
 * The text of an unframed answer line: CR and the prompts (`>`) before it removed; `''` for a
 * blank line or the echo of a request (`?Q500`); undefined when it does not look like an answer (`WORD, …`, or `UNKNOWN`/`INVALID`
 * that `answerValue` reports): printable ASCII only, at most 4 KB.
 */
export function unframedText(line: Buffer): string | undefined {
  if (line.length > MAX_PENDING) return undefined;
  const text = line
    .toString('latin1')
    .replace(/^[\s>]+/, '')
    .trimEnd();
  if (text === '' || /^\?Q\d{1,4}( \d{1,5})?$/i.test(text)) return '';
  if (!/^[\x20-\x7e]+$/.test(text)) return undefined;
  if (/^[A-Z][A-Z0-9 #._/-]*,/i.test(text) || /^(UNKNOWN|INVALID)\b/i.test(text)) return text;
  return undefined;
}

/** `SERIAL NUMBER, 1234567` → `1234567`; an `UNKNOWN` or `INVALID` answer is a protocol error. */
export function answerValue(answer: string, where: string, code: string): string {
  if (/^(UNKNOWN|INVALID)/i.test(answer)) {
    throw new CollectorError('protocol', `${where}: ?${code} answered "${answer}" (is Setting 143 on?)`);
  }
  const comma = answer.indexOf(',');
  return (comma < 0 ? answer : answer.slice(comma + 1)).trim();
}

/**
 * The value of a `?Q600 <n>` answer: the last field, as sources disagree on the fields before it
 * (`MACRO, 8000.000000` in Haas's example, `MACRO, 3027, 8000.000000` elsewhere); undefined when
 * it is not a number (an empty field is not 0) or does not fit a double (`1e999` reads as
 * Infinity, which no gauge can carry).
 */
export function macroValue(answer: string): number | undefined {
  const last = answer.slice(answer.lastIndexOf(',') + 1).trim();
  if (!/^[+-]?(\d{1,20}(\.\d{0,20})?|\.\d{1,20})([eE][+-]?\d{1,3})?$/.test(last)) return undefined;
  const value = Number(last);
  return Number.isFinite(value) ? value : undefined;
}

/** The Q500 three-in-one answer: `PROGRAM, O01234, IDLE, PARTS, 380` or `STATUS, BUSY`. */
export function parseQ500(answer: string): { program?: string; status: string; parts?: number } {
  const fields = answer.split(',').map((f) => f.trim());
  if (fields[0] === 'STATUS') return { status: fields[1] ?? 'UNKNOWN' };
  if (fields[0] === 'PROGRAM') {
    const parts = fields.indexOf('PARTS');
    return {
      program: fields[1],
      status: fields[2] ?? 'UNKNOWN',
      // A part count that is not a whole number (line noise, another firmware) is left out.
      ...(parts >= 0 && /^\d{1,15}$/.test(fields[parts + 1] ?? '')
        ? { parts: Number(fields[parts + 1]) }
        : {}),
    };
  }
  return { status: 'UNKNOWN' };
}
