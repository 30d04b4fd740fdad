import type { ResolvedConfig } from '../config/load.ts';
import type { QuarantineReport } from './salvage.ts';
import type { StoreOptions } from './store.ts';

const MB = 1024 * 1024;

/** The store's options from the `store` section of the config (sizes in MB there, bytes here). */
export function storeOptionsFor(
  config: ResolvedConfig,
  now: () => number,
  onQuarantine: (report: QuarantineReport) => void,
): StoreOptions {
  const store = config.store;
  return {
    dataDir: config.data_dir,
    maxSizeBytes: store.max_size_mb * MB,
    whenFull: store.when_full,
    retentionMs: store.retention_hours * 3600_000,
    inlineMaxBytes: store.inline_content_max_kb * 1024,
    startupCheckMaxBytes: store.startup_check_max_mb * MB,
    minFreeBytes: store.min_free_mb * MB,
    reserveBytes: store.reserve_mb * MB,
    groupCommit: { maxRecords: store.group_commit_max_records, maxWaitMs: store.group_commit_max_wait_ms },
    now,
    onQuarantine,
  };
}
