/**
 * Collects writes from many callers and commits them in one transaction, so that every caller's
 * promise resolves only once its records are durable, without paying one fsync per record. A batch
 * is committed when it holds `maxRecords` records or `maxWaitMs` after its first write, whichever
 * is first. The records of one `writeAll` are never split across two transactions: a poll's
 * captures, log lines and collector state are durable together or not at all.
 */
export class GroupCommit<T> {
  private queue: Array<{ items: readonly T[]; resolve: () => void; reject: (error: unknown) => void }> = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxRecords: number;
  private readonly maxWaitMs: number;
  private readonly commit: (items: readonly T[]) => void;

  constructor(options: { maxRecords: number; maxWaitMs: number; commit: (items: readonly T[]) => void }) {
    this.maxRecords = options.maxRecords;
    this.maxWaitMs = options.maxWaitMs;
    this.commit = options.commit;
  }

  /** Resolves when `item` has been committed; rejects with the commit's error otherwise. */
  write(item: T): Promise<void> {
    return this.writeAll([item]);
  }

  /** Resolves when every item has been committed, in one transaction; rejects otherwise. */
  writeAll(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      if (this.queued >= this.maxRecords) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** Commits whatever is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queued = 0;
    try {
      this.commit(batch.length === 1 ? batch[0]!.items : batch.flatMap((entry) => entry.items));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    for (const entry of batch) entry.resolve();
  }

  /** Records waiting for the next commit. */
  get pending(): number {
    return this.queued;
  }
}
