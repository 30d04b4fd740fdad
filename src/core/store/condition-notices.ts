import type { Logger } from 'pino';
import type { Store } from './store.ts';
import type { StoreConditionReport } from './store-condition.ts';

/** The alert kind a condition is shown under in `status` (see conditionAlert). */
const CONDITION_ALERT_KIND = { disk_full: 'disk_full', unwritable: 'store_unwritable' } as const;

/**
 * Says the store's condition out loud in the log: one error line when the disk fills or the store
 * cannot be written, one info line with what was refused meanwhile when it writes again.
 */
export function followStoreCondition(store: Store, logger: Logger): void {
  store.condition.onChange((report, previous) => {
    if (report.state !== 'ok') {
      logger.error({ condition: report }, report.message ?? report.state);
      return;
    }
    logger.info(
      { was: previous.state, since: previous.since, refused: previous.refused },
      previous.state === 'disk_full'
        ? 'disk space is back: the store writes again and collection goes on'
        : 'the store can be written again: collection goes on',
    );
  });
}

/**
 * The condition as an alert in `status`, for as long as it lasts. It is not stored: the database
 * may be the very thing refusing writes, and it clears itself when the store writes again (it has
 * id 0, which no stored alert has, so it cannot be dismissed by hand).
 */
export function conditionAlert(report: StoreConditionReport) {
  if (report.state === 'ok') return undefined;
  return {
    id: 0,
    kind: CONDITION_ALERT_KIND[report.state],
    message: report.message ?? report.state,
    detail: report,
    createdAt: report.since ?? new Date().toISOString(),
  };
}
