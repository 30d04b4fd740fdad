import { CollectorError } from '../../collectors/sdk/collector-error.ts';
import type { Clock } from '../clock.ts';

const DONE = 'done';

/**
 * Runs `fn` with a deadline. The result is raced against the deadline, so a collector that ignores
 * its abort signal still cannot hold its machine's loop (and never another machine's) past it.
 */
export async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  ms: number,
  what: string,
  clock: Clock,
  outer: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onOuterAbort, { once: true });
  const timerDone = new AbortController();
  const deadline = new Promise<never>((_, reject) => {
    void clock.sleep(ms, timerDone.signal).then(() => {
      if (timerDone.signal.aborted) return;
      const error = new CollectorError('timeout', `${what} did not answer within ${Math.round(ms / 1000)} s`);
      controller.abort(error);
      reject(error);
    });
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } finally {
    // A plain reason: `abort()` without one builds a DOMException with a stack, per poll.
    timerDone.abort(DONE);
    outer.removeEventListener('abort', onOuterAbort);
  }
}
