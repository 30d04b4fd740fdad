import type { StoreHandle } from './handle.ts';
import type { StoreStats } from './store-stats.ts';

/** Row overhead beyond content, used by the size estimate. */
export const ROW_OVERHEAD = 160;

/** What `makeRoom` deleted. */
export interface RoomMade {
  /** Blob files of dropped captures, to delete once the transaction committed. */
  paths: string[];
  /** Estimated bytes freed in the database and on disk. */
  freed: number;
  droppedCaptures: number;
  droppedLogs: number;
}

/**
 * Frees about `bytes` inside the caller's transaction: first records already sent, then (policy
 * `drop_oldest_captures`) the oldest unsent captures, then the oldest unsent log entries. Every
 * dropped record is counted in the store's counters.
 */
export function makeRoom(
  handle: StoreHandle,
  stats: StoreStats,
  whenFull: 'drop_oldest_captures' | 'stop_collecting',
  bytes: number,
): RoomMade {
  const room: RoomMade = { paths: [], freed: 0, droppedCaptures: 0, droppedLogs: 0 };
  const sent =
    handle.stmt(`DELETE FROM captures WHERE state = 'acknowledged'`).run().changes +
    handle.stmt(`DELETE FROM log_entries WHERE state = 'sent'`).run().changes;
  room.freed += sent * ROW_OVERHEAD;
  if (whenFull !== 'drop_oldest_captures') return room;
  const oldest = handle.stmt(
    `SELECT id, content_path, content_size, length(meta) AS meta_size FROM captures
     WHERE state IN ('pending','created','uploaded') ORDER BY id LIMIT 200`,
  );
  const del = handle.stmt('DELETE FROM captures WHERE id = ?');
  while (room.freed < bytes) {
    const rows = oldest.all() as {
      id: number;
      content_path: string | null;
      content_size: number;
      meta_size: number;
    }[];
    if (rows.length === 0) break;
    let blobBytes = 0;
    for (const row of rows) {
      if (room.freed >= bytes) break;
      del.run(row.id);
      room.freed += row.content_size + row.meta_size + ROW_OVERHEAD;
      if (row.content_path) {
        room.paths.push(row.content_path);
        blobBytes += row.content_size;
      }
      room.droppedCaptures++;
      stats.increment('captures_dropped_store_full');
    }
    if (blobBytes > 0) stats.increment('blob_bytes', -blobBytes);
  }
  const oldestLogs = handle.stmt(
    `SELECT id, length(message) + coalesce(length(context), 0) AS size FROM log_entries
     WHERE state = 'pending' ORDER BY id LIMIT 500`,
  );
  const delLog = handle.stmt('DELETE FROM log_entries WHERE id = ?');
  while (room.freed < bytes) {
    const rows = oldestLogs.all() as { id: number; size: number }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      if (room.freed >= bytes) break;
      delLog.run(row.id);
      room.freed += row.size + ROW_OVERHEAD;
      room.droppedLogs++;
      stats.increment('logs_dropped_store_full');
    }
  }
  return room;
}
