import {
  CloudHttpError,
  CloudNetworkError,
  CloudOriginError,
  CloudReplyError,
  describeError,
  StoreError,
} from '../../shared/errors.ts';
import type { SyncContext } from './sync-context.ts';

/** What a worker does about a failed request. */
export type Outcome =
  | { kind: 'retry'; at: number; reason: string }
  | { kind: 'dead'; reason: string }
  | { kind: 'not_found'; reason: string }
  | { kind: 'unauthenticated'; reason: string };

/** A 403 means "not allowed / feature disabled" for the whole bureau: ask again in a while. */
export const FORBIDDEN_HOLD_MS = 5 * 60_000;

/**
 * One place that maps a failure to what happens next (Telegraf's rule: retry the batch on 429, 5xx
 * or a network error; a 4xx on one record dead-letters that record). It also closes the shared
 * gate, so that Retry-After and outages slow every worker down, not just the one that saw them.
 */
export function classifyError(error: unknown, ctx: SyncContext): Outcome {
  const reason = describeError(error);
  if (error instanceof CloudHttpError) {
    if (error.status === 401) {
      ctx.unauthenticated(reason);
      return { kind: 'unauthenticated', reason };
    }
    if (error.status === 404) return { kind: 'not_found', reason };
    if (error.status === 429 || error.status === 503) {
      const delay = error.retryAfterMs ?? undefined;
      if (delay !== undefined) ctx.gate.holdFor(delay, reason);
      else ctx.gate.failed(reason);
      return { kind: 'retry', at: ctx.gate.closedUntil, reason };
    }
    if (error.status === 403) {
      ctx.gate.holdFor(FORBIDDEN_HOLD_MS, reason);
      return { kind: 'retry', at: ctx.gate.closedUntil, reason };
    }
    if (error.status >= 500 || error.status === 408) {
      ctx.gate.failed(reason);
      return { kind: 'retry', at: ctx.gate.closedUntil, reason };
    }
    return { kind: 'dead', reason };
  }
  // A URI on another origin is refused for good: the record that holds it is set aside.
  if (error instanceof CloudOriginError) return { kind: 'dead', reason };
  if (error instanceof CloudNetworkError || error instanceof CloudReplyError) {
    ctx.gate.failed(reason);
    return { kind: 'retry', at: ctx.gate.closedUntil, reason };
  }
  if (error instanceof StoreError && error.retryable)
    return { kind: 'retry', at: ctx.clock.now() + 100, reason };
  // Anything else is a bug in Echo: log it loudly, and retry later rather than lose the record.
  ctx.logger.error({ err: error }, 'unexpected error in sync; the record will be retried');
  return { kind: 'retry', at: ctx.clock.now() + ctx.config.sync.backoff_initial_ms * 10, reason };
}
