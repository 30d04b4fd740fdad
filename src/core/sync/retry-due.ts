/**
 * A capture's next attempt is stored as wall time (`captures.next_attempt_at`): it must survive a
 * restart, and a monotonic reading means nothing in another process. A stored wall time goes wrong
 * when the clock steps, so both ends are clamped to `maxDelayMs` (`sync.backoff_max_ms`):
 *
 * - written: never more than `maxDelayMs` ahead. Longer holds (Retry-After, a 403) are kept by the
 *   cloud gate, on the monotonic clock, which every attempt passes first;
 * - read: a time further ahead than that was written before the clock stepped back, so it is due
 *   now; a backward jump can never delay a retry by more than `maxDelayMs` (the gate still spaces
 *   attempts if the cloud is failing). A forward jump makes stored retries due early: each
 *   machine's next capture is tried once, through the gate, which is no flood.
 */
export function retryAtToStore(at: number, now: number, maxDelayMs: number): number {
  return Math.min(at, now + maxDelayMs);
}

/** When a stored retry is due, read against the wall clock now (see above). */
export function retryDueAt(stored: number, now: number, maxDelayMs: number): number {
  return stored - now > maxDelayMs ? now : stored;
}
