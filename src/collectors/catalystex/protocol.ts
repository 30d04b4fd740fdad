import { type Socket, connect as tcpConnect } from 'node:net';
import { CollectorError } from '../sdk/collector-error.ts';
import { networkError } from '../sdk/network-error.ts';

/** Every command, argument and short answer is one packet of this many bytes, NUL-padded. */
export const PACKET = 64;
/** Answers the printer may send before its `NA` (the echoed command and arguments). */
const MAX_HANDSHAKE_PACKETS = 8;

/** `text` as one packet: ASCII, NUL-padded to 64 bytes (a longer text is a programming error). */
export function packet(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length >= PACKET) throw new RangeError(`"${text}" does not fit a ${PACKET}-byte packet`);
  const out = Buffer.alloc(PACKET);
  bytes.copy(out);
  return out;
}

/** A packet's text: up to its first NUL (all 64 bytes when it has none). */
export function packetText(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('latin1');
}

/** Machine text for a message: printable, short. */
export function shown(text: string, max = 40): string {
  const printable = text.slice(0, max * 2).replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/**
 * Reads exact byte counts from a socket, holding at most `cap` bytes: bytes the printer sends
 * beyond what the exchange can use are a protocol error, not memory.
 */
class PacketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: { n: number; resolve(b: Buffer): void; reject(e: CollectorError): void } | undefined;
  private failure: CollectorError | undefined;
  cap = PACKET * MAX_HANDSHAKE_PACKETS;

  constructor(
    socket: Socket,
    private readonly where: string,
  ) {
    // Listener code never throws: a failure is kept and handed to the pending read.
    socket.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      // What the pending read needs is taken first; only what is left over counts against the cap.
      this.deliver();
      if (this.buffered > this.cap) {
        this.fail(
          new CollectorError(
            'protocol',
            `${this.where}: the printer sent more than the exchange allows (${this.buffered} bytes held, at most ${this.cap}); is this a Stratasys status port?`,
          ),
        );
        socket.destroy();
      }
    });
    socket.on('error', (error) => this.fail(networkError(where, error)));
    socket.on('close', () =>
      this.fail(new CollectorError('unreachable', `${where}: the printer closed the connection`)),
    );
  }

  /** Resolves with exactly `n` bytes. */
  read(n: number, what: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = {
        n,
        resolve,
        reject: (error) =>
          reject(
            error.failure === 'unreachable' && this.buffered < n
              ? new CollectorError(
                  'unreachable',
                  `${error.message} while sending ${what} (${this.buffered} of ${n} bytes arrived)`,
                  error,
                )
              : error,
          ),
      };
      this.deliver();
    });
  }

  private deliver(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (this.buffered >= waiting.n) {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      this.chunks = all.length > waiting.n ? [all.subarray(waiting.n)] : [];
      this.buffered -= waiting.n;
      this.waiting = undefined;
      waiting.resolve(all.subarray(0, waiting.n));
    } else if (this.failure) {
      this.waiting = undefined;
      waiting.reject(this.failure);
    }
  }

  private fail(error: CollectorError): void {
    this.failure ??= error;
    this.deliver();
  }
}

export interface GetFileOptions {
  host: string;
  port: number;
  /** The file on the printer, `status.sts`. */
  file: string;
  /** The largest file accepted (`ctx.limits.maxMessageBytes`): a larger announced size is refused. */
  maxBytes: number;
  signal: AbortSignal;
}

/**
 * One `GetFile` exchange on a fresh connection, as the printers answer it: the command, its
 * argument and `NA` as 64-byte packets; the printer's echo (`SendFile` or the command, its
 * arguments, `NA`); `OK`; a packet holding the size in ASCII digits; `OK`; then exactly that many
 * bytes. The connection is closed afterwards (the printers serve one exchange per connection in
 * the clients known). Returns the file up to its first NUL.
 */
export async function getFile(options: GetFileOptions): Promise<Buffer> {
  const { host, port, file, maxBytes, signal } = options;
  const where = `${host}:${port}`;
  if (signal.aborted) throw networkError(where, signal.reason, signal);
  const socket = tcpConnect({ host, port });
  socket.setNoDelay(true);
  const reader = new PacketReader(socket, where);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      socket.destroy();
      reject(networkError(where, signal.reason, signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const step = <T>(work: Promise<T>) => Promise.race([work, aborted]);
  const send = (text: string) =>
    step(
      new Promise<void>((resolve, reject) =>
        socket.write(packet(text), (error) => (error ? reject(networkError(where, error)) : resolve())),
      ),
    );
  try {
    await step(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', (error) => reject(networkError(where, error)));
      }),
    );
    await send('GetFile');
    await send(file);
    await send('NA');
    const first = packetText(await step(reader.read(PACKET, 'its answer to GetFile')));
    if (first !== 'SendFile' && first !== 'GetFile') {
      throw new CollectorError(
        'protocol',
        `${where}: answered "${shown(first)}" to GetFile ${file} (expected SendFile); is this a Stratasys printer's status port?`,
      );
    }
    // The echoed arguments, up to the closing NA.
    for (let seen = 1; ; seen++) {
      const text = packetText(await step(reader.read(PACKET, 'its answer to GetFile')));
      if (text === 'NA') break;
      if (seen >= MAX_HANDSHAKE_PACKETS) {
        throw new CollectorError('protocol', `${where}: GetFile ${file} was echoed without its closing NA`);
      }
    }
    await send('OK');
    const sizeText = packetText(await step(reader.read(PACKET, 'the file size')));
    if (!/^\d{1,15}$/.test(sizeText.trim())) {
      throw new CollectorError(
        'protocol',
        `${where}: answered "${shown(sizeText)}" where the size of ${file} belongs (the printer may not have it)`,
      );
    }
    const size = Number(sizeText.trim());
    if (size > maxBytes) {
      throw new CollectorError(
        'protocol',
        `${where}: announced ${file} of ${size} bytes, more than the ${maxBytes} accepted (machines[].max_message_mb)`,
      );
    }
    // The printer may end the file with a few bytes more (a trailer); nothing beyond that is kept.
    reader.cap = size + PACKET * MAX_HANDSHAKE_PACKETS;
    await send('OK');
    const data = await step(reader.read(size, file));
    const end = data.indexOf(0);
    return end < 0 ? data : data.subarray(0, end);
  } catch (error) {
    throw networkError(where, error, signal);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    socket.destroy();
  }
}
