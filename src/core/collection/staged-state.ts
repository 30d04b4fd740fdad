import type { CollectorState } from '../../collectors/sdk/collector.ts';
import type { StoreStats } from '../store/store-stats.ts';

/**
 * A collector's durable state (log offsets, watermarks, last event times), staged during a poll
 * and written in the same transaction as that poll's captures and log lines (Store.ingestPoll): a
 * crash leaves the old position with none of the poll's records, and the poll is read again.
 */
export class StagedState implements CollectorState {
  private readonly pending = new Map<string, string>();
  /** What the store holds, read once per key: this machine's runner is the only writer. */
  private readonly stored = new Map<string, string | undefined>();

  constructor(
    private readonly stats: StoreStats,
    private readonly prefix: string,
  ) {}

  get(key: string): string | undefined {
    const staged = this.pending.get(key);
    if (staged !== undefined) return staged;
    if (!this.stored.has(key)) this.stored.set(key, this.stats.getValue(this.prefix + key));
    return this.stored.get(key);
  }

  set(key: string, value: string): void {
    this.pending.set(key, value);
  }

  /** What the poll staged, as kv keys and values, for the store to write with its records. */
  staged(): Array<readonly [string, string]> {
    return [...this.pending.entries()].map(([key, value]) => [this.prefix + key, value] as const);
  }

  /** The store wrote what was staged (Store.ingestPoll): reads now come from the store. */
  saved(): void {
    for (const [key, value] of this.pending) this.stored.set(key, value);
    this.pending.clear();
  }

  /** Forgets what a failed poll staged, so the next poll starts from the saved state. */
  discard(): void {
    this.pending.clear();
  }
}
