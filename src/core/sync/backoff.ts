/**
 * Exponential backoff with full jitter (delay drawn from [0, min(max, initial·2^attempt)]), as AWS's
 * architecture blog recommends: many agents that lost the cloud at once do not return in lockstep.
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(initialMs / 4, Math.floor(random() * ceiling));
}
