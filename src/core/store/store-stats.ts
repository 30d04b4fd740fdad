import type { StoreAlert } from '../../shared/api/index.ts';
import type { StoreHandle } from './handle.ts';
import type { BacklogCounts, CaptureState } from './types.ts';

/**
 * An alert raised by the store (a quarantine) or the agent, shown by `status` until cleared: the
 * local API's type, as `status` sends it; re-exported for the core's existing imports.
 */
export type { StoreAlert } from '../../shared/api/index.ts';

/** Counters, small key/value state and alerts: everything `status` reads besides the queues. */
export class StoreStats {
  constructor(
    private readonly handle: StoreHandle,
    private readonly now: () => number,
  ) {}

  counts(): BacklogCounts {
    return this.handle.guard(() => {
      const captures: Record<CaptureState, number> = {
        pending: 0,
        created: 0,
        uploaded: 0,
        acknowledged: 0,
        dead: 0,
      };
      for (const row of this.handle
        .stmt('SELECT state, count(*) AS n FROM captures GROUP BY state')
        .all() as {
        state: CaptureState;
        n: number;
      }[])
        captures[row.state] = row.n;
      const logs = { pending: 0, sent: 0, dead: 0 };
      for (const row of this.handle
        .stmt('SELECT state, count(*) AS n FROM log_entries GROUP BY state')
        .all() as {
        state: keyof typeof logs;
        n: number;
      }[])
        logs[row.state] = row.n;
      const pendingStatus = (
        this.handle
          .stmt('SELECT count(DISTINCT machine) AS n FROM machine_status WHERE reported = 0')
          .get() as { n: number }
      ).n;
      return { captures, logs, machineStatus: { pending: pendingStatus } };
    });
  }

  /** Unsent captures (cheap: uses the partial index). */
  captureBacklog(): number {
    return this.handle.guard(
      () =>
        (
          this.handle
            .stmt(`SELECT count(*) AS n FROM captures WHERE state IN ('pending','created','uploaded')`)
            .get() as { n: number }
        ).n,
    );
  }

  counters(): Record<string, number> {
    return this.handle.guard(() =>
      Object.fromEntries(
        (this.handle.stmt('SELECT name, value FROM counters').all() as { name: string; value: number }[]).map(
          (r) => [r.name, r.value],
        ),
      ),
    );
  }

  increment(name: string, by = 1): void {
    this.handle.guard(() =>
      this.handle
        .stmt(
          `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value`,
        )
        .run(name, by),
    );
  }

  getValue(key: string): string | undefined {
    return this.handle.guard(
      () =>
        (this.handle.stmt('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined)
          ?.value,
    );
  }

  setValue(key: string, value: string | undefined): void {
    this.handle.guard(() => {
      if (value === undefined) this.handle.stmt('DELETE FROM kv WHERE key = ?').run(key);
      else
        this.handle
          .stmt(
            'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
          )
          .run(key, value);
    });
  }

  /** Stores a health assessment about to be reported; returns its id. */
  recordHealth(health: string, reasons: readonly string[], checkedAt: string): number {
    return this.handle.guard(
      () =>
        this.handle
          .stmt(`INSERT INTO health_reports (health, reasons, checked_at, state) VALUES (?, ?, ?, 'pending')`)
          .run(health, JSON.stringify(reasons), checkedAt).lastInsertRowid as number,
    );
  }

  /** The cloud has the report `id`: it is sent, and older unsent ones are superseded by it. */
  markHealthSent(id: number): void {
    this.handle.guard(() =>
      this.handle.db.transaction(() => {
        this.handle.stmt(`UPDATE health_reports SET state = 'sent' WHERE id = ?`).run(id);
        this.handle
          .stmt(`UPDATE health_reports SET state = 'superseded' WHERE id < ? AND state = 'pending'`)
          .run(id);
      })(),
    );
  }

  addAlert(kind: string, message: string, detail?: unknown): void {
    this.handle.guard(() =>
      this.handle
        .stmt('INSERT INTO alerts (kind, message, detail, created_at) VALUES (?, ?, ?, ?)')
        .run(kind, message, detail === undefined ? null : JSON.stringify(detail), this.now()),
    );
  }

  activeAlerts(): StoreAlert[] {
    return this.handle.guard(() =>
      (
        this.handle.stmt('SELECT * FROM alerts WHERE cleared_at IS NULL ORDER BY id DESC LIMIT 50').all() as {
          id: number;
          kind: string;
          message: string;
          detail: string | null;
          created_at: number;
        }[]
      ).map((row) => ({
        id: row.id,
        kind: row.kind,
        message: row.message,
        detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
        createdAt: new Date(row.created_at).toISOString(),
      })),
    );
  }

  clearAlert(id: number): boolean {
    return this.handle.guard(
      () =>
        this.handle
          .stmt('UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL')
          .run(this.now(), id).changes > 0,
    );
  }
}
