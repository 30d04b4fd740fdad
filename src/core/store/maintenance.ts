import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { Store } from './store.ts';

const MAINTENANCE_MS = 60_000;

interface MaintenanceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  config: ResolvedConfig;
  signal: AbortSignal;
}

/**
 * The store's housekeeping: blob files orphaned by an interrupted write at start, then every
 * minute retention and a once-per-interval warning about records dropped at the size cap; and,
 * beside it, the look at a full disk or an unwritable store every `store.recheck_interval_s`.
 */
export async function runStoreMaintenance(deps: MaintenanceDeps): Promise<void> {
  await Promise.all([housekeeping(deps), recheckCondition(deps)]);
}

/**
 * While the disk is full or the store cannot be written, looks whether it can write again: that
 * is how Echo resumes by itself when space returns or the folder is writable again.
 */
async function recheckCondition(deps: MaintenanceDeps): Promise<void> {
  const { store, clock, logger, config, signal } = deps;
  while (!signal.aborted) {
    await clock.sleep(config.store.recheck_interval_s * 1000, signal);
    if (signal.aborted) return;
    try {
      if (store.condition.state === 'ok') continue;
      store.recheck();
    } catch (error) {
      logger.error({ err: error }, 'checking whether the store can write again failed; it will run again');
    }
  }
}

async function housekeeping(deps: MaintenanceDeps): Promise<void> {
  const { store, clock, logger, config, signal } = deps;
  try {
    const orphans = store.removeOrphanBlobs();
    if (orphans > 0) logger.info({ orphans }, 'removed blob files left by an interrupted write');
  } catch (error) {
    logger.warn({ err: error }, 'could not check for orphaned blob files');
  }
  while (!signal.aborted) {
    await clock.sleep(MAINTENANCE_MS, signal);
    if (signal.aborted) return;
    try {
      const dropped = store.takeDropReport();
      if (dropped.captures + dropped.logs + dropped.rejected > 0) {
        logger.warn(
          { ...dropped, policy: config.store.when_full, max_size_mb: config.store.max_size_mb },
          'the store is full: records were dropped or refused in the last interval',
        );
      }
      store.purgeRetention();
    } catch (error) {
      if (store.condition.state !== 'ok') continue; // said once, by the condition itself
      logger.error({ err: error }, 'store maintenance failed; it will run again');
    }
  }
}
