// A machine's job-history watermarks in the store's key-value table. The history runner
// (collection) writes them and the status sync (sync) tells the cloud: both read the names here,
// on the floor below them both.
/** Keys in the store's key-value table, per machine. */
export const historyKeys = (machine: string) => ({
  /** Newest job whose capture is durable locally: where a resumed backfill starts. */
  watermark: `history_watermark:${machine}`,
  /** What the cloud should hear once the machine's captures are all acknowledged. */
  pending: `history_pending:${machine}`,
  /** What the cloud was last told. */
  sent: `history_sent:${machine}`,
});
