import type { Clock } from '../clock.ts';
import { backoffDelay } from './backoff.ts';

/**
 * One gate in front of every request to the cloud. A 429/503 with Retry-After, or a run of network
 * failures, closes it for everyone: when the server says "slow down" or is gone, no worker keeps
 * knocking. A success opens it and resets the failure count.
 */
export class CloudGate {
  /** When the gate opens, on the monotonic clock: a step of the wall clock neither holds nor opens it. */
  private openAt = 0;
  private failures = 0;
  lastError: string | undefined;
  lastSuccessAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** Waits until the gate is open (or `signal` aborts). */
  async pass(signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted) {
      const wait = this.openAt - this.clock.monotonic();
      if (wait <= 0) return;
      await this.clock.sleep(wait, signal);
    }
  }

  /** How long the gate stays closed from now (0 when open). */
  get waitMs(): number {
    return Math.max(0, this.openAt - this.clock.monotonic());
  }

  /** The server asked for `ms` of quiet (Retry-After). */
  holdFor(ms: number, reason: string): void {
    this.openAt = Math.max(this.openAt, this.clock.monotonic() + ms);
    this.lastError = reason;
  }

  /** A transport failure: back off exponentially with jitter across consecutive failures. */
  failed(reason: string): number {
    const delay = backoffDelay(this.failures++, this.initialMs, this.maxMs);
    this.holdFor(delay, reason);
    return delay;
  }

  succeeded(): void {
    this.failures = 0;
    this.lastError = undefined;
    this.lastSuccessAt = this.clock.now();
  }

  get reachable(): boolean {
    return this.failures === 0;
  }

  /**
   * The PC was suspended for `ms`: time passed that the monotonic clock did not see (it stops
   * during a suspend). A hold counts it as passed, as the server that asked for it does.
   */
  suspendedFor(ms: number): void {
    this.openAt -= ms;
  }

  /** When the gate opens, as wall time (epoch ms; now when open): for status and stored retry times. */
  get closedUntil(): number {
    const now = this.clock.now();
    return now + Math.max(0, this.openAt - this.clock.monotonic());
  }
}
