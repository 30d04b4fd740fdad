import { CollectorError } from './collector-error.ts';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * Maps a socket-level failure to the collector error kinds once, for every TCP/TLS collector:
 * refused, reset or unroutable is `unreachable`; an abort is `timeout`; anything else is
 * `protocol`. A `CollectorError` passes through untouched.
 */
export function networkError(where: string, error: unknown, signal?: AbortSignal): CollectorError {
  if (error instanceof CollectorError) return error;
  if (signal?.aborted) {
    return signal.reason instanceof CollectorError
      ? signal.reason
      : new CollectorError('timeout', `${where}: no answer`, error);
  }
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new CollectorError('unreachable', `${where}: ${code}`, error);
  }
  return new CollectorError('protocol', `${where}: ${message}`, error);
}
