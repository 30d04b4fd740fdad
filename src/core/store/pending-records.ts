import type { StoreHandle } from './handle.ts';
import { ROW_OVERHEAD } from './make-room.ts';
import type { LogInput, MachineStatusInput } from './types.ts';

/** A record waiting for the group commit: its table, its row, its estimated size. */
export type PendingRecord =
  | { kind: 'capture'; row: unknown[]; bytes: number }
  | { kind: 'log'; row: unknown[]; bytes: number }
  | { kind: 'status'; row: unknown[]; bytes: number }
  /** A collector's saved position (log offsets, watermarks), written with the records it covers. */
  | { kind: 'state'; key: string; value: string | undefined; bytes: number };

/** A capture's row: its content inline, or the path of the blob file already written. */
export function captureRecord(capture: {
  echoCaptureId: string;
  machine: string;
  captureTypeName: string;
  content: Buffer;
  contentPath: string | null;
  contentType: string;
  meta: Record<string, unknown>;
  printerNames: readonly string[];
  capturedAt: number;
  now: number;
}): PendingRecord {
  const row = [
    capture.echoCaptureId,
    capture.machine,
    capture.captureTypeName,
    capture.contentPath === null ? capture.content : null,
    capture.contentPath,
    capture.contentType,
    capture.content.length,
    JSON.stringify(capture.meta),
    JSON.stringify(capture.printerNames),
    capture.capturedAt,
    capture.now,
  ];
  return { kind: 'capture', row, bytes: capture.content.length + ROW_OVERHEAD };
}

/** Bytes a record adds to the database itself: a capture's blob content lives in its own file. */
export function databaseBytes(record: PendingRecord): number {
  const blob = record.kind === 'capture' && record.row[4] !== null;
  return blob ? record.bytes - (record.row[6] as number) : record.bytes;
}

export function logRecord(entry: LogInput, now: number, userUuid: string | null = null): PendingRecord {
  // The context sent to /logs/ says where the line came from; it is stored ready to send.
  const context = JSON.stringify({
    ...entry.context,
    source: entry.source,
    ...(entry.machine ? { machine: entry.machine } : {}),
  });
  const row = [
    entry.source,
    entry.machine ?? null,
    entry.level,
    entry.timestamp,
    entry.message,
    context,
    now,
    userUuid,
  ];
  return { kind: 'log', row, bytes: entry.message.length + context.length + ROW_OVERHEAD };
}

/** A key of the store's key-value table, set (or deleted: `undefined`) in the same transaction. */
export function stateRecord(key: string, value: string | undefined): PendingRecord {
  return { kind: 'state', key, value, bytes: key.length + (value?.length ?? 0) };
}

export function statusRecord(status: MachineStatusInput, now: number): PendingRecord {
  const row = [
    status.machine,
    status.state,
    status.connected ? 1 : 0,
    status.error,
    status.observedAt ?? now,
    status.failure ?? null,
  ];
  return { kind: 'status', row, bytes: ROW_OVERHEAD };
}

/** Inserts `records` in the caller's transaction; returns the blob bytes that are now referenced. */
export function insertRecords(handle: StoreHandle, records: readonly PendingRecord[]): number {
  const insertCapture = handle.stmt(
    // OR IGNORE: a capture with an idempotency key that is already here is not stored twice.
    `INSERT OR IGNORE INTO captures (echo_capture_id, machine, capture_type_name, content, content_path, content_type,
       content_size, meta, printer_names, state, captured_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const insertLog = handle.stmt(
    `INSERT INTO log_entries (source, machine, level, timestamp, message, context, state, updated_at, user_uuid)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const insertStatus = handle.stmt(
    'INSERT INTO machine_status (machine, state, connected, error, observed_at, failure) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const setValue = handle.stmt(
    'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const deleteValue = handle.stmt('DELETE FROM kv WHERE key = ?');
  let blobBytes = 0;
  for (const record of records) {
    if (record.kind === 'capture') {
      const inserted = insertCapture.run(...record.row).changes > 0;
      if (inserted && record.row[4] !== null) blobBytes += record.row[6] as number;
    } else if (record.kind === 'log') insertLog.run(...record.row);
    else if (record.kind === 'status') insertStatus.run(...record.row);
    else if (record.value === undefined) deleteValue.run(record.key);
    else setValue.run(record.key, record.value);
  }
  return blobBytes;
}

/** Deletes records sent before `before` (epoch ms), keeping the newest status per machine. */
export function purgeSentBefore(
  handle: StoreHandle,
  before: number,
): { captures: number; logs: number; statuses: number; healthReports: number } {
  return handle.db.transaction(() => ({
    captures: handle.stmt(`DELETE FROM captures WHERE state = 'acknowledged' AND updated_at < ?`).run(before)
      .changes,
    logs: handle.stmt(`DELETE FROM log_entries WHERE state = 'sent' AND updated_at < ?`).run(before).changes,
    statuses: handle
      .stmt(
        `DELETE FROM machine_status WHERE reported = 1 AND observed_at < ?
         AND id NOT IN (SELECT max(id) FROM machine_status GROUP BY machine)`,
      )
      .run(before).changes,
    // Health reports carry their own time as ISO text; keep only those newer than the retention.
    healthReports: handle
      .stmt(`DELETE FROM health_reports WHERE state != 'pending' AND checked_at < ?`)
      .run(new Date(before).toISOString()).changes,
  }))();
}
