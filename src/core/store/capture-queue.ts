import { rmSync } from 'node:fs';
import type { StoreHandle } from './handle.ts';
import type { CaptureState, StoredCapture } from './types.ts';

const ACTIVE = `state IN ('pending','created','uploaded')`;
const COLUMNS_BUT_CONTENT = `id, echo_capture_id, machine, capture_type_name, content_path, content_type, content_size,
  meta, printer_names, state, capture_uri, upload_url, attempts, last_error, next_attempt_at, captured_at`;

interface CaptureRow {
  id: number;
  echo_capture_id: string;
  machine: string;
  capture_type_name: string;
  content: Buffer | null;
  content_path: string | null;
  content_type: string;
  content_size: number;
  meta: string;
  printer_names: string;
  state: CaptureState;
  capture_uri: string | null;
  upload_url: string | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  captured_at: number;
}

/**
 * The sync side of the capture queue: which capture a machine sends next, and each step of its
 * lifecycle `pending → created → uploaded → acknowledged` (or `dead`). Every step is one committed
 * UPDATE, so a crash at any point resumes from the last step that was stored.
 */
export class CaptureQueue {
  constructor(
    private readonly handle: StoreHandle,
    private readonly now: () => number,
  ) {}

  /**
   * Machines with unsent captures, found with a skip-scan over the partial index, so the cost grows
   * with the number of machines, not with the backlog.
   */
  machinesWithBacklog(): string[] {
    return this.handle.guard(() => {
      // INDEXED BY: left to itself, the planner picks captures_state and walks every active row
      // at each step (260 ms with 5,000 pending: a backlog that slows its own draining).
      const rows = this.handle
        .stmt(
          `WITH RECURSIVE m(name) AS (
             SELECT (SELECT min(machine) FROM captures INDEXED BY captures_active WHERE ${ACTIVE})
             UNION ALL
             SELECT (SELECT min(machine) FROM captures INDEXED BY captures_active
                     WHERE ${ACTIVE} AND machine > m.name) FROM m
             WHERE m.name IS NOT NULL)
           SELECT name FROM m WHERE name IS NOT NULL`,
        )
        .all() as { name: string }[];
      return rows.map((r) => r.name);
    });
  }

  /** Unsent captures of one machine. */
  backlogFor(machine: string): number {
    return this.handle.guard(
      () =>
        (
          this.handle
            .stmt(`SELECT count(*) AS n FROM captures WHERE machine = ? AND ${ACTIVE}`)
            .get(machine) as { n: number }
        ).n,
    );
  }

  /** The oldest unsent capture of a machine: captures of one machine are sent in order. */
  head(machine: string): StoredCapture | undefined {
    return this.handle.guard(() => {
      const row = this.handle
        .stmt(`SELECT * FROM captures WHERE machine = ? AND ${ACTIVE} ORDER BY id LIMIT 1`)
        .get(machine) as CaptureRow | undefined;
      return row ? toCapture(row) : undefined;
    });
  }

  /**
   * The oldest unsent capture of a machine without its inline content (the sync engine reads it
   * at each step; the content only for the upload: `inlineContent`).
   */
  next(machine: string): StoredCapture | undefined {
    return this.handle.guard(() => {
      const row = this.handle
        .stmt(
          `SELECT ${COLUMNS_BUT_CONTENT}, NULL AS content FROM captures INDEXED BY captures_active
           WHERE machine = ? AND ${ACTIVE} ORDER BY id LIMIT 1`,
        )
        .get(machine) as CaptureRow | undefined;
      return row ? toCapture(row) : undefined;
    });
  }

  /** A capture's content stored in the database (undefined: it is in its blob file). */
  inlineContent(id: number): Buffer | undefined {
    return this.handle.guard(
      () =>
        (this.handle.stmt('SELECT content FROM captures WHERE id = ?').get(id) as { content: Buffer | null })
          ?.content ?? undefined,
    );
  }

  get(id: number): StoredCapture | undefined {
    return this.handle.guard(() => {
      const row = this.handle.stmt('SELECT * FROM captures WHERE id = ?').get(id) as CaptureRow | undefined;
      return row ? toCapture(row) : undefined;
    });
  }

  markCreated(id: number, captureUri: string, uploadUrl: string | undefined): void {
    this.update(
      `state = 'created', capture_uri = ?, upload_url = ?, last_error = NULL, next_attempt_at = 0`,
      [captureUri, uploadUrl ?? null],
      id,
    );
  }

  markUploaded(id: number): void {
    this.update(`state = 'uploaded', last_error = NULL, next_attempt_at = 0`, [], id);
  }

  /** The cloud has the capture: its content (inline or blob file) is no longer needed locally. */
  markAcknowledged(id: number): void {
    const path = this.handle.guard(() =>
      this.handle.db.transaction(() => {
        const row = this.handle
          .stmt('SELECT content_path, content_size FROM captures WHERE id = ?')
          .get(id) as { content_path: string | null; content_size: number } | undefined;
        this.update(`state = 'acknowledged', last_error = NULL, content = NULL, content_path = NULL`, [], id);
        const bump = this.handle.stmt(
          `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value`,
        );
        bump.run('captures_acknowledged', 1);
        if (row?.content_path) bump.run('blob_bytes', -row.content_size);
        return row?.content_path ?? undefined;
      })(),
    );
    if (path) rmSync(path, { force: true });
  }

  /** A failed attempt that will be retried at `nextAttemptAt` (epoch ms). */
  markRetry(id: number, error: string, nextAttemptAt: number): void {
    this.update(`attempts = attempts + 1, last_error = ?, next_attempt_at = ?`, [error, nextAttemptAt], id);
  }

  /** The cloud lost the capture (404): create it again; the server drops duplicates by echo_capture_id. */
  resetToPending(id: number, error: string): void {
    this.update(
      `state = 'pending', capture_uri = NULL, upload_url = NULL, attempts = attempts + 1, last_error = ?`,
      [error],
      id,
    );
  }

  /**
   * Another cloud: captures created or uploaded on the previous one start again from `pending`
   * (their URIs point at the old server). Returns how many.
   */
  restartInFlight(): number {
    return this.handle.guard(
      () =>
        this.handle
          .stmt(
            `UPDATE captures SET state = 'pending', capture_uri = NULL, upload_url = NULL, next_attempt_at = 0,
             updated_at = ? WHERE state IN ('created', 'uploaded')`,
          )
          .run(this.now()).changes,
    );
  }

  /** The cloud refused the record itself (400): keep it aside, never block the machine's queue. */
  markDead(id: number, error: string): void {
    this.update(`state = 'dead', attempts = attempts + 1, last_error = ?`, [error], id);
  }

  /** Dead-lettered captures go back to the queue (all, or the given ids). Returns how many. */
  retryDead(ids?: readonly number[]): number {
    return this.handle.guard(() => {
      const set = `state = 'pending', capture_uri = NULL, upload_url = NULL, attempts = 0, next_attempt_at = 0, updated_at = ?`;
      if (!ids)
        return this.handle.stmt(`UPDATE captures SET ${set} WHERE state = 'dead'`).run(this.now()).changes;
      let changes = 0;
      const stmt = this.handle.stmt(`UPDATE captures SET ${set} WHERE state = 'dead' AND id = ?`);
      this.handle.db.transaction(() => {
        for (const id of ids) changes += stmt.run(this.now(), id).changes;
      })();
      return changes;
    });
  }

  /** Deletes dead-lettered captures on an operator's request. Returns how many. */
  discardDead(ids: readonly number[]): number {
    return this.handle.guard(() => {
      const select = this.handle.stmt(`SELECT content_path FROM captures WHERE state = 'dead' AND id = ?`);
      const del = this.handle.stmt(`DELETE FROM captures WHERE state = 'dead' AND id = ?`);
      const paths: string[] = [];
      let changes = 0;
      this.handle.db.transaction(() => {
        for (const id of ids) {
          const row = select.get(id) as { content_path: string | null } | undefined;
          if (row?.content_path) paths.push(row.content_path);
          changes += del.run(id).changes;
        }
      })();
      for (const path of paths) rmSync(path, { force: true });
      return changes;
    });
  }

  /** Dead-lettered captures, newest first, for the local API. */
  listDead(limit: number): Omit<StoredCapture, 'content'>[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt(`SELECT * FROM captures WHERE state = 'dead' ORDER BY id DESC LIMIT ?`)
          .all(limit) as CaptureRow[]
      ).map((row) => ({ ...toCapture(row), content: undefined })),
    );
  }

  /** Captures of one machine, newest first, without content. */
  listForMachine(machine: string, limit: number): Omit<StoredCapture, 'content'>[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt(`SELECT * FROM captures WHERE machine = ? ORDER BY id DESC LIMIT ?`)
          .all(machine, limit) as CaptureRow[]
      ).map((row) => ({ ...toCapture(row), content: undefined })),
    );
  }

  private update(set: string, values: unknown[], id: number): void {
    this.handle.guard(() => {
      this.handle
        .stmt(`UPDATE captures SET ${set}, updated_at = ? WHERE id = ?`)
        .run(...values, this.now(), id);
    });
  }
}

function toCapture(row: CaptureRow): StoredCapture {
  return {
    id: row.id,
    echoCaptureId: row.echo_capture_id,
    machine: row.machine,
    captureTypeName: row.capture_type_name,
    contentType: row.content_type,
    contentSize: row.content_size,
    content: row.content ?? undefined,
    contentPath: row.content_path ?? undefined,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    printerNames: JSON.parse(row.printer_names) as string[],
    state: row.state,
    captureUri: row.capture_uri ?? undefined,
    uploadUrl: row.upload_url ?? undefined,
    attempts: row.attempts,
    lastError: row.last_error ?? undefined,
    nextAttemptAt: row.next_attempt_at,
    capturedAt: row.captured_at,
  };
}
