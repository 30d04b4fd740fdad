/**
 * Collects writes from many callers and commits them in one transaction, so that every caller's
 * promise resolves only once its record is durable, without paying one fsync per record. A batch
 * is committed when it reaches `maxRecords` or `maxWaitMs` after its first write, whichever is first.
 */
export class GroupCommit<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
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
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxRecords) this.flush();
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
    try {
      this.commit(batch.map((entry) => entry.item));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    for (const entry of batch) entry.resolve();
  }

  get pending(): number {
    return this.queue.length;
  }
}
