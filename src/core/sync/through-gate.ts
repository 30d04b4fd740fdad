import { classifyError } from './classify-error.ts';
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
