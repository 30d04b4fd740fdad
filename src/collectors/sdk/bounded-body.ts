import type { IncomingMessage } from 'node:http';
import { CollectorError } from './collector-error.ts';

/** What Echo accepts from one machine in one answer, message or frame unless its config says otherwise. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The limit in words, for errors an operator reads. */
export function describeLimit(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** The error for an answer over the limit: names the setting that raises it. */
export function tooLarge(where: string, limit: number, what = 'answer'): CollectorError {
  return new CollectorError(
    'protocol',
    `${where}: the ${what} is larger than ${describeLimit(limit)}; Echo stopped reading it (raise machines[].max_message_mb if the machine really sends that much)`,
    undefined,
    { limitBytes: limit },
  );
}

/**
 * Reads a response body up to `limit` bytes. A machine is hostile until proven otherwise: a
 * declared `content-length` over the limit is refused before a byte is read, and a body that
 * grows past it is cut off (the response destroyed, so its socket is not reused), so one machine
 * can never hold more than `limit` bytes of the agent's memory.
 */
export function readBoundedBody(res: IncomingMessage, limit: number, where: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      res.destroy();
      reject(tooLarge(where, limit));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        res.destroy();
        reject(tooLarge(where, limit));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks, received)));
    res.on('error', reject);
  });
}
