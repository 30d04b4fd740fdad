import type { CollectorState } from '../../collectors/sdk/collector.ts';
import type { StoreStats } from '../store/store-stats.ts';

/**
 * A collector's durable state (log offsets, watermarks, last event times), staged during a poll
 * and saved only after that poll's captures and logs are durable: a crash in between replays the
 * poll (its captures carry idempotency keys, so nothing is stored twice) instead of skipping it.
 */
export class StagedState implements CollectorState {
  private readonly staged = new Map<string, string>();

  constructor(
    private readonly stats: StoreStats,
    private readonly prefix: string,
  ) {}

  get(key: string): string | undefined {
    return this.staged.get(key) ?? this.stats.getValue(this.prefix + key);
  }

  set(key: string, value: string): void {
    this.staged.set(key, value);
  }

  /** Saves what the last poll staged (the runner calls this once the poll's records are stored). */
  commit(): void {
    for (const [key, value] of this.staged) this.stats.setValue(this.prefix + key, value);
    this.staged.clear();
  }

  /** Forgets what a failed poll staged, so the next poll starts from the saved state. */
  discard(): void {
    this.staged.clear();
  }
}
