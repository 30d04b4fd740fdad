import { CloudHttpError, CloudNetworkError, describeError } from '../../shared/errors.ts';
import { classifyError } from './classify-error.ts';
import type { CloudGate } from './cloud-gate.ts';
import type { SyncContext } from './sync-context.ts';

/**
 * One request through the shared gate, for the readers outside the sync workers (the cloud-machine
 * refresh, the watermark): waits while a Retry-After, a 403 hold or an outage's backoff holds it,
 * opens it on success, and on failure closes it as the workers do (`classifyError`) before the
 * error goes on to the caller.
 */
export async function throughGate<T>(
  ctx: SyncContext,
  request: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  await ctx.gate.pass(signal);
  signal?.throwIfAborted();
  try {
    const result = await request();
    ctx.gate.succeeded();
    return result;
  } catch (error) {
    classifyError(error, ctx);
    throw error;
  }
}

/** Longer than this, an operator at the sign-in form is told to come back rather than kept waiting. */
const INTERACTIVE_WAIT_MS = 10_000;

/**
 * A request an operator waits for (sign-in): it keeps the same Retry-After gate as the workers,
 * but never waits long. A gate closed for more than a few seconds answers at once, saying until
 * when; a 429/503 with Retry-After or an outage closes the gate for everyone, as in the workers. A
 * 401/403 here is the operator's credentials, not the agent's: the agent is not signed out by it.
 */
export async function interactiveThroughGate<T>(
  gate: CloudGate,
  request: () => Promise<T>,
  maxWaitMs = INTERACTIVE_WAIT_MS,
): Promise<T> {
  const wait = gate.waitMs;
  if (wait > maxWaitMs) {
    throw new CloudHttpError(
      503,
      `the cloud asked Echo to wait ${Math.ceil(wait / 1000)} s more (${gate.lastError ?? 'Retry-After'}): try again then`,
      '',
      wait,
    );
  }
  await gate.pass(AbortSignal.timeout(maxWaitMs + 1000));
  try {
    const result = await request();
    gate.succeeded();
    return result;
  } catch (error) {
    const reason = describeError(error);
    if (error instanceof CloudHttpError && (error.status === 429 || error.status === 503)) {
      if (error.retryAfterMs !== undefined) gate.holdFor(error.retryAfterMs, reason);
      else gate.failed(reason);
    } else if (
      error instanceof CloudNetworkError ||
      (error instanceof CloudHttpError && error.status >= 500)
    ) {
      gate.failed(reason);
    }
    throw error;
  }
}
