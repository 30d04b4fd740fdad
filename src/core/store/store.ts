import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../../shared/errors.ts';
import { BlobFiles } from './blob-files.ts';
import { CaptureQueue } from './capture-queue.ts';
import { DATABASE_FILE } from './database-file.ts';
import { GroupCommit } from './group-commit.ts';
import { StoreHandle } from './handle.ts';
import { JobHistory } from './job-history.ts';
import { LogQueue } from './log-queue.ts';
import { openStoreDatabase, recoverDatabase } from './open-database.ts';
import type { QuarantineReport } from './salvage.ts';
import { StatusQueue } from './status-queue.ts';
import { StoreStats } from './store-stats.ts';
import type { CaptureInput, LogInput, MachineStatusInput } from './types.ts';
import { uuidFromKey } from './uuid-from-key.ts';

export interface StoreOptions {
  dataDir: string;
  maxSizeBytes: number;
  whenFull: 'drop_oldest_captures' | 'stop_collecting';
  retentionMs: number;
  inlineMaxBytes: number;
  startupCheckMaxBytes: number;
  groupCommit: { maxRecords: number; maxWaitMs: number };
  now?: () => number;
  /** Told about every quarantine (at open and at run time), to log and alert. */
  onQuarantine?: (report: QuarantineReport) => void;
}

type Pending =
  | { kind: 'capture'; row: unknown[]; bytes: number }
  | { kind: 'log'; row: unknown[]; bytes: number }
  | { kind: 'status'; row: unknown[]; bytes: number };

/** Row overhead beyond content, used by the size estimate. */
const ROW_OVERHEAD = 160;
const SIZE_REFRESH_MS = 1000;

/**
 * Echo's durable store-and-forward: the single writer of the SQLite database. Collectors ingest
 * through it (group-committed, so a write resolves once durable); the sync engine reads and
 * advances the queues; `status` reads the stats. A size cap is enforced with the configured policy.
 */
export class Store {
  readonly captures: CaptureQueue;
  readonly logs: LogQueue;
  readonly status: StatusQueue;
  readonly jobs: JobHistory;
  readonly stats: StoreStats;
  readonly path: string;
  private readonly handle: StoreHandle;
  private readonly blobs: BlobFiles;
  private readonly commits: GroupCommit<Pending>;
  private readonly now: () => number;
  private usedBytesEstimate = 0;
  private sizeCheckedAt = 0;
  private droppedSinceReport = { captures: 0, logs: 0, rejected: 0 };
  private readonly quarantines: QuarantineReport[] = [];

  private constructor(
    private readonly options: StoreOptions,
    opened: ReturnType<typeof openStoreDatabase>,
    path: string,
  ) {
    this.path = path;
    this.now = options.now ?? Date.now;
    this.handle = new StoreHandle(opened.db);
    this.handle.onCorruption = (reason) => this.recover(reason);
    this.blobs = new BlobFiles(join(options.dataDir, 'blobs'));
    this.captures = new CaptureQueue(this.handle, this.now);
    this.logs = new LogQueue(this.handle, this.now);
    this.status = new StatusQueue(this.handle);
    this.jobs = new JobHistory(this.handle);
    this.stats = new StoreStats(this.handle, this.now);
    this.commits = new GroupCommit<Pending>({
      ...options.groupCommit,
      commit: (items) => this.commitBatch(items),
    });
    if (opened.quarantine) this.noteQuarantine(opened.quarantine);
    this.refreshSize();
  }

  /** Opens the store in `dataDir`, quarantining and salvaging a damaged database. */
  static open(options: StoreOptions): Store {
    const path = join(options.dataDir, DATABASE_FILE);
    const opened = openStoreDatabase(path, {
      startupCheckMaxBytes: options.startupCheckMaxBytes,
      now: () => new Date((options.now ?? Date.now)()),
    });
    return new Store(options, opened, path);
  }

  /** Stores a capture; resolves once it is durable, with its ids. */
  async ingestCapture(input: CaptureInput): Promise<{ echoCaptureId: string }> {
    this.refuseWhenFull();
    const echoCaptureId = input.idempotencyKey
      ? uuidFromKey(`${input.machine}\u0000${input.idempotencyKey}`)
      : randomUUID();
    const content = typeof input.content === 'string' ? Buffer.from(input.content) : input.content;
    const meta = { ...input.meta, echo_capture_id: echoCaptureId };
    const inline = content.length <= this.options.inlineMaxBytes;
    const contentPath = inline ? null : this.blobs.writeDurably(echoCaptureId, content);
    const now = this.now();
    const row = [
      echoCaptureId,
      input.machine,
      input.captureTypeName,
      inline ? content : null,
      contentPath,
      input.contentType,
      content.length,
      JSON.stringify(meta),
      JSON.stringify(input.printerNames ?? [input.machine]),
      input.capturedAt ?? now,
      now,
    ];
    await this.commits.write({ kind: 'capture', row, bytes: content.length + ROW_OVERHEAD });
    return { echoCaptureId };
  }

  /** Stores a log entry (machine or agent); resolves once durable. */
  async ingestLog(entry: LogInput): Promise<void> {
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
      this.now(),
    ];
    await this.commits.write({
      kind: 'log',
      row,
      bytes: entry.message.length + context.length + ROW_OVERHEAD,
    });
  }

  /** Records a machine status change; resolves once durable. */
  async recordMachineStatus(status: MachineStatusInput): Promise<void> {
    const row = [
      status.machine,
      status.state,
      status.connected ? 1 : 0,
      status.error,
      status.observedAt ?? this.now(),
    ];
    await this.commits.write({ kind: 'status', row, bytes: ROW_OVERHEAD });
  }

  /** Commits whatever is queued now (used on shutdown). */
  flush(): void {
    this.commits.flush();
  }

  /** Deletes records sent longer ago than the retention, keeping the newest status per machine. */
  purgeRetention(): { captures: number; logs: number; statuses: number; healthReports: number } {
    const before = this.now() - this.options.retentionMs;
    return this.handle.guard(() =>
      this.handle.db.transaction(() => ({
        captures: this.handle
          .stmt(`DELETE FROM captures WHERE state = 'acknowledged' AND updated_at < ?`)
          .run(before).changes,
        logs: this.handle.stmt(`DELETE FROM log_entries WHERE state = 'sent' AND updated_at < ?`).run(before)
          .changes,
        statuses: this.handle
          .stmt(
            `DELETE FROM machine_status WHERE reported = 1 AND observed_at < ?
             AND id NOT IN (SELECT max(id) FROM machine_status GROUP BY machine)`,
          )
          .run(before).changes,
        // Health reports carry their own time as ISO text; keep only those newer than the retention.
        healthReports: this.handle
          .stmt(`DELETE FROM health_reports WHERE state != 'pending' AND checked_at < ?`)
          .run(new Date(before).toISOString()).changes,
      }))(),
    );
  }

  /** Records dropped or refused since the last call (for the once-per-interval warning). */
  takeDropReport(): { captures: number; logs: number; rejected: number } {
    const report = this.droppedSinceReport;
    this.droppedSinceReport = { captures: 0, logs: 0, rejected: 0 };
    return report;
  }

  /** Bytes used by rows and blob files (an estimate refreshed at most once a second). */
  usedBytes(): number {
    this.refreshSize(true);
    return this.usedBytesEstimate;
  }

  get maxSizeBytes(): number {
    return this.options.maxSizeBytes;
  }

  /** Quarantines since this process started (the persisted ones are alerts in `stats`). */
  get quarantineReports(): readonly QuarantineReport[] {
    return this.quarantines;
  }

  /** Deletes blob files that no capture row names (a crash between blob write and commit). */
  removeOrphanBlobs(): number {
    const referenced = new Set(
      this.handle.guard(() =>
        (
          this.handle.stmt('SELECT content_path FROM captures WHERE content_path IS NOT NULL').all() as {
            content_path: string;
          }[]
        ).map((r) => r.content_path),
      ),
    );
    return this.blobs.removeOrphans((path) => referenced.has(path));
  }

  close(): void {
    if (this.handle.isClosed) return;
    this.commits.flush();
    this.handle.close();
  }

  private refuseWhenFull(): void {
    if (this.options.whenFull !== 'stop_collecting') return;
    this.refreshSize();
    if (this.usedBytesEstimate < this.options.maxSizeBytes) return;
    this.droppedSinceReport.rejected++;
    this.stats.increment('captures_rejected_store_full');
    throw new StoreError(
      'ECHO_ERR_STORE_FULL',
      `the store is full (${Math.round(this.usedBytesEstimate / 1e6)} MB of ${Math.round(this.options.maxSizeBytes / 1e6)} MB); collection is paused until the backlog drains (store.when_full = stop_collecting)`,
      { retryable: true },
    );
  }

  private commitBatch(items: readonly Pending[]): void {
    const run = () => this.writeBatch(items);
    try {
      this.handle.guard(run);
    } catch (error) {
      // After a recovery the batch is written once more into the salvaged database.
      if (error instanceof StoreError && error.code === 'ECHO_ERR_STORE_CORRUPT') this.handle.guard(run);
      else throw error;
    }
  }

  private writeBatch(items: readonly Pending[]): void {
    const incoming = items.reduce((sum, item) => sum + item.bytes, 0);
    const insertCapture = this.handle.stmt(
      // OR IGNORE: a capture with an idempotency key that is already here is not stored twice.
      `INSERT OR IGNORE INTO captures (echo_capture_id, machine, capture_type_name, content, content_path, content_type,
         content_size, meta, printer_names, state, captured_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    );
    const insertLog = this.handle.stmt(
      `INSERT INTO log_entries (source, machine, level, timestamp, message, context, state, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
    );
    const insertStatus = this.handle.stmt(
      'INSERT INTO machine_status (machine, state, connected, error, observed_at) VALUES (?, ?, ?, ?, ?)',
    );
    let blobBytes = 0;
    const freedBlobs: string[] = [];
    this.handle.durably(() => {
      if (this.usedBytesEstimate + incoming > this.options.maxSizeBytes) {
        freedBlobs.push(
          ...this.makeRoom(this.usedBytesEstimate + incoming - this.options.maxSizeBytes * 0.95),
        );
      }
      for (const item of items) {
        if (item.kind === 'capture') {
          const inserted = insertCapture.run(...item.row).changes > 0;
          if (inserted && item.row[4] !== null) blobBytes += item.row[6] as number;
        } else if (item.kind === 'log') insertLog.run(...item.row);
        else insertStatus.run(...item.row);
      }
      if (blobBytes > 0) this.stats.increment('blob_bytes', blobBytes);
    });
    for (const path of freedBlobs) rmSync(path, { force: true });
    this.usedBytesEstimate += incoming;
    this.refreshSize();
  }

  /**
   * Frees about `bytes` inside the current transaction: first records already sent, then (policy
   * `drop_oldest_captures`) the oldest unsent captures, then the oldest unsent log entries. Every
   * dropped record is counted. Returns blob files to delete after the commit.
   */
  private makeRoom(bytes: number): string[] {
    const paths: string[] = [];
    let freed = 0;
    const sent =
      this.handle.stmt(`DELETE FROM captures WHERE state = 'acknowledged'`).run().changes +
      this.handle.stmt(`DELETE FROM log_entries WHERE state = 'sent'`).run().changes;
    freed += sent * ROW_OVERHEAD;
    if (this.options.whenFull !== 'drop_oldest_captures') return paths;
    const oldest = this.handle.stmt(
      `SELECT id, content_path, content_size, length(meta) AS meta_size FROM captures
       WHERE state IN ('pending','created','uploaded') ORDER BY id LIMIT 200`,
    );
    const del = this.handle.stmt('DELETE FROM captures WHERE id = ?');
    while (freed < bytes) {
      const rows = oldest.all() as {
        id: number;
        content_path: string | null;
        content_size: number;
        meta_size: number;
      }[];
      if (rows.length === 0) break;
      let blobBytes = 0;
      for (const row of rows) {
        if (freed >= bytes) break;
        del.run(row.id);
        freed += row.content_size + row.meta_size + ROW_OVERHEAD;
        if (row.content_path) {
          paths.push(row.content_path);
          blobBytes += row.content_size;
        }
        this.droppedSinceReport.captures++;
        this.stats.increment('captures_dropped_store_full');
      }
      if (blobBytes > 0) this.stats.increment('blob_bytes', -blobBytes);
    }
    const oldestLogs = this.handle.stmt(
      `SELECT id, length(message) + coalesce(length(context), 0) AS size FROM log_entries
       WHERE state = 'pending' ORDER BY id LIMIT 500`,
    );
    const delLog = this.handle.stmt('DELETE FROM log_entries WHERE id = ?');
    while (freed < bytes) {
      const rows = oldestLogs.all() as { id: number; size: number }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (freed >= bytes) break;
        delLog.run(row.id);
        freed += row.size + ROW_OVERHEAD;
        this.droppedSinceReport.logs++;
        this.stats.increment('logs_dropped_store_full');
      }
    }
    this.usedBytesEstimate -= freed;
    return paths;
  }

  private refreshSize(force = false): void {
    const now = this.now();
    if (!force && now - this.sizeCheckedAt < SIZE_REFRESH_MS) return;
    this.sizeCheckedAt = now;
    this.handle.guard(() => {
      const db = this.handle.db;
      const pages =
        (db.pragma('page_count', { simple: true }) as number) -
        (db.pragma('freelist_count', { simple: true }) as number);
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const blobBytes = this.stats.counters().blob_bytes ?? 0;
      this.usedBytesEstimate = pages * pageSize + blobBytes;
    });
  }

  /** Swaps a database damaged at run time for a salvaged one; the agent keeps running. */
  private recover(reason: string): void {
    const opened = recoverDatabase(this.path, reason, new Date(this.now()));
    this.handle.replace(opened.db);
    if (opened.quarantine) this.noteQuarantine(opened.quarantine);
  }

  private noteQuarantine(report: QuarantineReport): void {
    this.quarantines.push(report);
    this.stats.addAlert(
      'store_quarantine',
      `The local database was damaged (${report.reason}); it was moved to ${report.quarantinedTo} and ${Object.values(report.salvagedRows).reduce((a, b) => a + b, 0)} records were salvaged (${report.lostRows} unreadable).`,
      report,
    );
    this.stats.increment('store_quarantines');
    this.options.onQuarantine?.(report);
  }
}
