import { Store, type StoreOptions } from '../../src/core/store/store.ts';

/** Opens a store with test-friendly defaults. */
export function openTestStore(dataDir: string, overrides: Partial<StoreOptions> = {}): Store {
  return Store.open({
    dataDir,
    maxSizeBytes: 512 * 1024 * 1024,
    whenFull: 'drop_oldest_captures',
    retentionMs: 24 * 3600_000,
    inlineMaxBytes: 256 * 1024,
    startupCheckMaxBytes: 256 * 1024 * 1024,
    groupCommit: { maxRecords: 500, maxWaitMs: 2 },
    ...overrides,
  });
}
