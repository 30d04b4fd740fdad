/**
 * Objects the machines of one collection share (keep-alive connection pools, OPC UA certificate
 * stores), created on first use and closed with the collection. The SDK keeps no such state at
 * module level: two agents in one process (tests, a core restarted by its crash guard) never share
 * a pool or a certificate store, and an agent that stops closes its sockets.
 */
export interface SharedResources {
  /**
   * The object kept under `key`, made by `create` the first time. `close` runs when the collection
   * stops. Keys are the SDK module's own (e.g. `'sdk/http-pools'`).
   */
  get<T>(key: string, create: () => T, close?: (value: T) => void | Promise<void>): T;
}

/** The collection's scope of shared resources (owned by the collection manager). */
export class ResourceScope implements SharedResources {
  private readonly entries = new Map<
    string,
    { value: unknown; close?: (value: never) => void | Promise<void> }
  >();
  private closed = false;

  get<T>(key: string, create: () => T, close?: (value: T) => void | Promise<void>): T {
    const entry = this.entries.get(key);
    if (entry) return entry.value as T;
    if (this.closed) throw new Error(`shared resource ${key} asked for after its collection stopped`);
    const value = create();
    this.entries.set(key, { value, ...(close ? { close } : {}) });
    return value;
  }

  /** Closes every resource made in this scope; a failure to close one does not keep the others open. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    const results = await Promise.allSettled(
      entries.map(async (entry) => entry.close?.(entry.value as never)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
