import type { ByteLink } from '../sdk/byte-link.ts';
import { CollectorError } from '../sdk/collector-error.ts';

const STX = 0x02;
const ETB = 0x17;

/**
 * Haas "Q-commands" (Machine Data Collection, Setting 143 on): a request `?Q<nnn>[ <arg>]` and an
 * answer framed by STX … ETB, followed by CR LF and the `>` prompt. One request at a time: the
 * control answers in order and nothing identifies an answer but its position.
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

  /** Sends `?Q<code>` and resolves with the answer's text (between STX and ETB). */
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
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf(ETB);
      if (end < 0) {
        const start = this.buffer.indexOf(STX);
        // A whole line or a prompt with no frame in it: the control (or whatever is on the
        // line) answers something that is not a Q-command answer.
        if (start < 0 && this.waiting && (this.buffer.includes(0x0a) || this.buffer.includes(0x3e))) {
          const text = this.buffer
            .toString('latin1')
            .replace(/[^\x20-\x7e]/g, '?')
            .trim()
            .slice(0, 40);
          const waiting = this.waiting;
          this.waiting = undefined;
          this.buffer = Buffer.alloc(0);
          waiting.reject(
            new CollectorError(
              'protocol',
              `${this.where}: the answer is not a Q-command frame ("${text}"); check the port settings`,
            ),
          );
          return;
        }
        // Noise without a frame (a prompt, an echo): keep only what could still become one.
        this.buffer = start < 0 ? Buffer.alloc(0) : this.buffer.subarray(start);
        if (this.buffer.length > 4096) this.buffer = Buffer.alloc(0);
        return;
      }
      const start = this.buffer.lastIndexOf(STX, end);
      const frame =
        start < 0
          ? undefined
          : this.buffer
              .subarray(start + 1, end)
              .toString('latin1')
              .trim();
      this.buffer = this.buffer.subarray(end + 1);
      const waiting = this.waiting;
      this.waiting = undefined;
      if (frame !== undefined) waiting?.resolve(frame);
    }
  }
}

/** `SERIAL NUMBER, 1234567` → `1234567`; an `UNKNOWN` or `INVALID` answer is a protocol error. */
export function answerValue(answer: string, where: string, code: string): string {
  if (/^(UNKNOWN|INVALID)/i.test(answer)) {
    throw new CollectorError('protocol', `${where}: ?${code} answered "${answer}" (is Setting 143 on?)`);
  }
  const comma = answer.indexOf(',');
  return (comma < 0 ? answer : answer.slice(comma + 1)).trim();
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
