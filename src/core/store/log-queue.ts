import type { CloudLogLevel } from '../../shared/model/capture-types.ts';
import type { StoreHandle } from './handle.ts';
import type { StoredLog } from './types.ts';

interface LogRow {
  id: number;
  source: 'agent' | 'machine';
  machine: string | null;
  level: CloudLogLevel;
  timestamp: string;
  message: string;
  context: string | null;
}

/** The sync side of the log queue: batches in id order, then sent or dead-lettered. */
export class LogQueue {
  constructor(
    private readonly handle: StoreHandle,
    private readonly now: () => number,
  ) {}

  /** The oldest pending entries, at most `maxEntries` and about `maxBytes` of message text. */
  nextBatch(maxEntries: number, maxBytes: number): StoredLog[] {
    return this.handle.guard(() => {
      const rows = this.handle
        .stmt(
          `SELECT id, source, machine, level, timestamp, message, context FROM log_entries
           WHERE state = 'pending' ORDER BY id LIMIT ?`,
        )
        .all(maxEntries) as LogRow[];
      const batch: StoredLog[] = [];
      let bytes = 0;
      for (const row of rows) {
        const size = row.message.length + (row.context?.length ?? 0) + 96;
        if (batch.length > 0 && bytes + size > maxBytes) break;
        bytes += size;
        batch.push({
          id: row.id,
          source: row.source,
          ...(row.machine ? { machine: row.machine } : {}),
          level: row.level,
          timestamp: row.timestamp,
          message: row.message,
          ...(row.context ? { context: JSON.parse(row.context) as Record<string, unknown> } : {}),
        });
      }
      return batch;
    });
  }

  markSent(ids: readonly number[]): void {
    this.setState(ids, 'sent', null, 'logs_sent');
  }

  markDead(ids: readonly number[], error: string): void {
    this.setState(ids, 'dead', error, 'logs_dead_lettered');
  }

  retryDead(): number {
    return this.handle.guard(
      () =>
        this.handle
          .stmt(
            `UPDATE log_entries SET state = 'pending', last_error = NULL, updated_at = ? WHERE state = 'dead'`,
          )
          .run(this.now()).changes,
    );
  }

  /** Recent entries for the local API, newest first, optionally filtered. */
  recent(filter: { limit: number; level?: string; machine?: string; search?: string }): StoredLog[] {
    return this.handle.guard(() => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.level) {
        where.push('level = ?');
        args.push(filter.level);
      }
      if (filter.machine) {
        where.push('machine = ?');
        args.push(filter.machine);
      }
      if (filter.search) {
        where.push(`message LIKE ? ESCAPE '\\'`);
        args.push(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
      const sql = `SELECT id, source, machine, level, timestamp, message, context FROM log_entries
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (this.handle.db.prepare(sql).all(...args, filter.limit) as LogRow[]).map((row) => ({
        id: row.id,
        source: row.source,
        ...(row.machine ? { machine: row.machine } : {}),
        level: row.level,
        timestamp: row.timestamp,
        message: row.message,
        ...(row.context ? { context: JSON.parse(row.context) as Record<string, unknown> } : {}),
      }));
    });
  }

  private setState(
    ids: readonly number[],
    state: 'sent' | 'dead',
    error: string | null,
    counter: string,
  ): void {
    if (ids.length === 0) return;
    this.handle.guard(() => {
      const stmt = this.handle.stmt(
        `UPDATE log_entries SET state = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
      );
      const count = this.handle.stmt(
        `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value`,
      );
      const now = this.now();
      this.handle.db.transaction(() => {
        for (const id of ids) stmt.run(state, error, now, id);
        count.run(counter, ids.length);
      })();
    });
  }
}
