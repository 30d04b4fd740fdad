/**
 * Time as the agent sees it. Production uses the wall clock; tests use a scaled clock so that "the
 * cloud is down for two minutes" or "Retry-After: 30" play out in a fraction of the real time while
 * every component (backoff, intervals, Retry-After) keeps its real proportions.
 *
 * Two readings, for two jobs. `now()` is wall time (epoch ms): for timestamps, what is stored and
 * sent. It can step forwards or backwards at any moment (NTP, a user setting the time), so no
 * interval or deadline is ever computed from it: those use `monotonic()`, which only moves forwards
 * at the rate of real time (it says nothing of the date; only differences between readings mean
 * something). `sleep` is a timer, monotonic too.
 */
export interface Clock {
  now(): number;
  /** Milliseconds on a clock no one can set (performance.now()), scaled like `now()`. */
  monotonic(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A clock that runs `scale` times faster than the wall clock (scale 1 is the wall clock). */
export function scaledClock(scale = 1): Clock {
  const origin = Date.now();
  return {
    now: () => (scale === 1 ? Date.now() : origin + (Date.now() - origin) * scale),
    monotonic: () => performance.now() * scale,
    sleep: (ms, signal) => sleep(ms / scale, signal),
  };
}

/** A scaled clock whose wall time can be stepped, as NTP or a user would (the tests' seam). */
export interface SteppableClock extends Clock {
  /** Moves the wall time by `ms` (negative: backwards); monotonic time and timers do not notice. */
  jump(ms: number): void;
}

export function steppableClock(scale = 1): SteppableClock {
  const base = scaledClock(scale);
  let offset = 0;
  return {
    now: () => base.now() + offset,
    monotonic: base.monotonic,
    sleep: base.sleep,
    jump: (ms) => {
      offset += ms;
    },
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
  private readonly waiters = new Set<() => void>();

  poke(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
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
      const wake = () => controller.abort('poked');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(wake);
      void clock.sleep(ms, controller.signal).then(() => {
        // A wait that timed out leaves nothing behind (a loop that is never poked waits again and
        // again: each left waiter would keep its controller, forever).
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Waits not yet ended (a test checks that timed-out waits leave none). */
  get waiting(): number {
    return this.waiters.size;
  }
}
