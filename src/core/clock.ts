/**
 * Time as the agent sees it. Production uses the wall clock; tests use a scaled clock so that "the
 * cloud is down for two minutes" or "Retry-After: 30" play out in a fraction of the real time while
 * every component (backoff, intervals, Retry-After) keeps its real proportions.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A clock that runs `scale` times faster than the wall clock (scale 1 is the wall clock). */
export function scaledClock(scale = 1): Clock {
  const origin = Date.now();
  return {
    now: () => (scale === 1 ? Date.now() : origin + (Date.now() - origin) * scale),
    sleep: (ms, signal) => sleep(ms / scale, signal),
  };
}

export const wallClock: Clock = scaledClock(1);

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A wake-up call: loops wait on it and producers poke it when there is new work. */
export class Wakeup {
  private waiters: Array<() => void> = [];

  poke(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next poke, after `ms` of clock time, or on abort. */
  wait(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      // An abort that already happened fires no event: without this, a loop stopped while it
      // was busy would sleep its whole interval before seeing it (a slow shutdown).
      if (signal?.aborted) return resolve();
      const controller = new AbortController();
      // Plain reasons: `abort()` without one builds a DOMException with a stack each time.
      const onAbort = () => controller.abort('stopped');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => controller.abort('poked'));
      void clock.sleep(ms, controller.signal).then(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}
