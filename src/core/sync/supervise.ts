import type { Logger } from 'pino';
import { StoreError } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';

const STORE_RETRY_MS = 1000;
const BUG_RETRY_MAX_MS = 30_000;

/**
 * Runs a sync worker for as long as `signal` is not aborted, and starts it again when it throws:
 * a store that refuses a write (disk full, unwritable: a state it leaves by itself) is waited out
 * quietly, anything else is a bug, logged loudly and retried with a growing pause. A worker that
 * dies silently would stop sending, which is exactly what a full disk needs least: sending frees it.
 */
export async function supervise(
  name: string,
  run: (signal: AbortSignal) => Promise<void>,
  deps: { signal: AbortSignal; clock: Clock; logger: Logger },
): Promise<void> {
  const { signal, clock, logger } = deps;
  let bugs = 0;
  while (!signal.aborted) {
    try {
      await run(signal);
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof StoreError && error.retryable) {
        logger.debug({ worker: name, code: error.code }, 'the store refused a sync step; it is tried again');
        await clock.sleep(STORE_RETRY_MS, signal);
        continue;
      }
      bugs++;
      logger.error({ err: error, worker: name }, 'a sync worker failed unexpectedly; it starts again');
      await clock.sleep(Math.min(BUG_RETRY_MAX_MS, STORE_RETRY_MS * 2 ** bugs), signal);
    }
  }
}
