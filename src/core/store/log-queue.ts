import type { CloudLogLevel } from '../../shared/model/capture-types.ts';
import type { StoreHandle } from './handle.ts';
import type { StoredLog, WireLog } from './types.ts';

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

  /**
   * The oldest pending entries as the cloud's `/logs/` wants them, each already serialized by
   * SQLite (`json_object`), at most `maxEntries` and about `maxBytes`. `userUuid` (who is signed
   * in now) stands in for entries written when it was not known. Building the wire form in
   * SQL keeps a million-entry drain from allocating a million objects in JavaScript.
   */
  nextBatch(maxEntries: number, maxBytes: number, userUuid: string | null): WireLog[] {
    return this.handle.guard(() => {
      const rows = this.handle
        .stmt(
          `SELECT id, json_object('level', level, 'timestamp', timestamp, 'message', message,
                    'user_uuid', coalesce(user_uuid, ?),
                    'context', json(coalesce(context, '{}'))) AS wire
           FROM log_entries WHERE state = 'pending' ORDER BY id LIMIT ?`,
        )
        .all(userUuid, maxEntries) as WireLog[];
      let bytes = 0;
      for (let i = 0; i < rows.length; i++) {
        bytes += rows[i]!.wire.length;
        if (i > 0 && bytes > maxBytes) return rows.slice(0, i);
      }
      return rows;
    });
  }

  /** Whether any entry waits to be sent (constant time, for progress checks). */
  hasPending(): boolean {
    return this.handle.guard(
      () =>
        (
          this.handle
            .stmt(`SELECT EXISTS (SELECT 1 FROM log_entries WHERE state = 'pending') AS p`)
            .get() as { p: number }
        ).p === 1,
    );
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
      const update = this.handle.stmt(
        `UPDATE log_entries SET state = ?, last_error = ?, updated_at = ?
         WHERE id IN (SELECT value FROM json_each(?)) AND state = 'pending'`,
      );
      const count = this.handle.stmt(
        `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value`,
      );
      this.handle.db.transaction(() => {
        update.run(state, error, this.now(), JSON.stringify(ids));
        count.run(counter, ids.length);
      })();
    });
  }
}
