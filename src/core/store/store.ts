import { randomUUID } from 'node:crypto';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
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
import { ReserveFile } from './reserve-file.ts';
import type { QuarantineReport } from './salvage.ts';
import { StatusQueue } from './status-queue.ts';
import { StoreCondition, type StoreConditionReport } from './store-condition.ts';
import { freeBytes } from './store-failure.ts';
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
  /**
   * Free space the store leaves on its disk (`store.min_free_mb`): below it the store behaves as
   * on a full disk, before SQLite or the OS refuse anything, so the PC and other programs keep room.
   * Default 0: only a refused write counts.
   */
  minFreeBytes?: number;
  /**
   * Size of the ballast file kept beside the database (`store.reserve_mb`), given back to the
   * disk when it fills so that sending (which frees space) can go on. Default 0: none.
   */
  reserveBytes?: number;
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
/** SQLite's default: checkpoint when the WAL reaches 1000 pages. */
const NORMAL_AUTOCHECKPOINT_PAGES = 1000;
/** On a full disk: checkpoint early, so the WAL is reused from its start rather than grown. */
const DISK_FULL_AUTOCHECKPOINT_PAGES = 32;
/** The ballast beside the database (see ReserveFile). */
export const RESERVE_FILE = 'echo.reserve';

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
  /**
   * Records refused while the disk was full or the store unwritable, by kind: kept in memory (the
   * counters live in the database that just refused a write) and added to the counters once the
   * store writes again.
   */
  private refused = { captures: 0, logs: 0, statuses: 0 };
  private readonly quarantines: QuarantineReport[] = [];
  /** The store's condition: ok, disk full, unwritable (see StoreCondition). */
  readonly condition: StoreCondition;
  private readonly reserve: ReserveFile;
  /** Bytes the ballast gave back when the disk last filled (status). */
  releasedReserveBytes = 0;

  private constructor(
    private readonly options: StoreOptions,
    opened: ReturnType<typeof openStoreDatabase>,
    path: string,
  ) {
    this.path = path;
    this.now = options.now ?? Date.now;
    this.condition = new StoreCondition(options.dataDir, options.whenFull, this.now);
    this.handle = new StoreHandle(opened.db, options.dataDir);
    this.handle.onCorruption = (reason) => this.recover(reason);
    this.handle.onHostFailure = (kind, error) =>
      kind === 'disk_full' ? this.condition.diskFull(error) : this.condition.unwritable(error);
    this.reserve = new ReserveFile(join(options.dataDir, RESERVE_FILE), options.reserveBytes ?? 0);
    this.condition.onChange((report) => {
      if (report.state === 'disk_full') this.enterDiskFull();
    });
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
    if (this.condition.state === 'ok') this.reserve.ensure();
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
    const contentPath = inline ? null : this.writeBlob(echoCaptureId, content);
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
    this.refuseWhilePaused('logs');
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
    this.refuseWhilePaused('statuses');
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

  /**
   * Looks again at a full disk or an unwritable store (called at `store.recheck_interval_s`): when
   * there is room above `store.min_free_mb` and a probe write to the database and the blob folder
   * succeeds, the store is ok again, the refusals are counted and the caller is told (true).
   */
  recheck(): boolean {
    if (this.condition.state === 'ok') return false;
    const free = freeBytes(this.options.dataDir);
    // Room for the ballast again and, beyond it, the minimum and as much again as the ballast: a
    // disk that only got the ballast's own bytes back is still full (no flapping).
    const reserve = this.options.reserveBytes ?? 0;
    const needed = (this.options.minFreeBytes ?? 0) + 2 * reserve - this.reserve.size;
    if (this.condition.state === 'disk_full' && free !== undefined && free < needed) return false;
    try {
      this.handle.guard(() => {
        this.handle.durably(() =>
          this.stats.setValue('store.last_write_probe', new Date(this.now()).toISOString()),
        );
        const probe = join(this.options.dataDir, 'blobs', '.write-probe');
        writeFileSync(probe, 'probe', { mode: 0o600 });
        unlinkSync(probe);
      });
    } catch (error) {
      if (error instanceof StoreError && error.retryable) return false;
      throw error;
    }
    this.reserve.ensure();
    this.setAutoCheckpoint(NORMAL_AUTOCHECKPOINT_PAGES);
    const refused = this.refused;
    this.refused = { captures: 0, logs: 0, statuses: 0 };
    this.condition.recovered();
    try {
      this.handle.guard(() =>
        this.handle.db.transaction(() => {
          if (refused.captures > 0) this.stats.increment('captures_refused_disk_full', refused.captures);
          if (refused.logs > 0) this.stats.increment('logs_refused_disk_full', refused.logs);
          if (refused.statuses > 0) this.stats.increment('statuses_refused_disk_full', refused.statuses);
        })(),
      );
    } catch (error) {
      // Space went again between the probe and now: the next recheck counts them.
      this.refused = refused;
      if (!(error instanceof StoreError && error.retryable)) throw error;
    }
    return true;
  }

  /**
   * The disk just filled: the ballast goes back to the disk, and the WAL is checkpointed often so
   * that it is rewritten from its start instead of growing (a WAL that must grow cannot, now).
   */
  private enterDiskFull(): void {
    this.releasedReserveBytes = this.reserve.release();
    this.setAutoCheckpoint(DISK_FULL_AUTOCHECKPOINT_PAGES);
    // Not inside the write that failed (it may hold a transaction): right after it.
    setImmediate(() => {
      try {
        if (!this.handle.isClosed) this.handle.db.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        // A checkpoint that cannot complete now is retried by the next commit's autocheckpoint.
      }
    });
  }

  private setAutoCheckpoint(pages: number): void {
    try {
      if (!this.handle.isClosed) this.handle.db.pragma(`wal_autocheckpoint = ${pages}`);
    } catch {
      // Only a tuning: the default checkpointing goes on.
    }
  }

  /** Records refused while the disk is full or the store unwritable, not yet in the counters. */
  get refusedWhileFull(): { captures: number; logs: number; statuses: number } {
    return { ...this.refused };
  }

  get conditionReport(): StoreConditionReport {
    return this.condition.current;
  }

  /**
   * While the disk is full with `stop_collecting`, or the store cannot be written, new records are
   * refused at the door (counted), before any work is spent on them.
   */
  private refuseWhilePaused(kind: 'captures' | 'logs' | 'statuses'): void {
    if (!this.condition.collectionPaused) return;
    this.refused[kind]++;
    const report = this.condition.current;
    throw new StoreError(
      report.state === 'disk_full' ? 'ECHO_ERR_DISK_FULL' : 'ECHO_ERR_STORE_UNWRITABLE',
      report.message ?? 'the store cannot take new records now',
      { retryable: true },
    );
  }

  /**
   * Writes a capture's content file. On a full disk with `drop_oldest_captures` the oldest unsent
   * captures make room for it (their files are what frees the disk) and it is written once more.
   */
  private writeBlob(echoCaptureId: string, content: Buffer): string {
    try {
      return this.handle.guard(() => this.blobs.writeDurably(echoCaptureId, content));
    } catch (error) {
      this.blobs.discard(echoCaptureId);
      if (!this.canMakeRoom(error)) {
        if (error instanceof StoreError && error.retryable) this.refused.captures++;
        throw error;
      }
      try {
        this.handle.guard(() => this.freeForDiskFull(content.length));
        return this.handle.guard(() => this.blobs.writeDurably(echoCaptureId, content));
      } catch (again) {
        this.blobs.discard(echoCaptureId);
        this.refused.captures++;
        throw again;
      }
    }
  }

  /** True for a full disk under `drop_oldest_captures`: dropping the oldest may make room. */
  private canMakeRoom(error: unknown): boolean {
    return (
      error instanceof StoreError &&
      error.code === 'ECHO_ERR_DISK_FULL' &&
      this.options.whenFull === 'drop_oldest_captures'
    );
  }

  /** Drops the oldest unsent captures worth about `bytes` (at least 256 KB), in one transaction. */
  private freeForDiskFull(bytes: number): void {
    const freed: string[] = [];
    this.handle.db.transaction(() => {
      freed.push(...this.makeRoom(Math.max(bytes * 2, 256 * 1024)));
    })();
    for (const path of freed) rmSync(path, { force: true });
  }

  private refuseWhenFull(): void {
    this.refuseWhilePaused('captures');
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
      try {
        // After a recovery the batch is written once more into the salvaged database; on a full
        // disk with drop_oldest_captures, once more after the oldest captures made room.
        if (error instanceof StoreError && error.code === 'ECHO_ERR_STORE_CORRUPT') this.handle.guard(run);
        else if (this.canMakeRoom(error)) {
          this.handle.guard(() => this.freeForDiskFull(items.reduce((sum, item) => sum + item.bytes, 0)));
          this.handle.guard(run);
        } else throw error;
      } catch (failure) {
        if (failure instanceof StoreError && failure.retryable) this.countRefused(items);
        throw failure;
      }
    }
  }

  private countRefused(items: readonly Pending[]): void {
    for (const item of items) {
      if (item.kind === 'capture') this.refused.captures++;
      else if (item.kind === 'log') this.refused.logs++;
      else this.refused.statuses++;
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
      } else if (this.condition.state === 'disk_full') {
        // The disk is full: the database must not grow. Rows deleted now leave pages that the
        // inserts below reuse, and dropped captures' files give the disk back.
        freedBlobs.push(...this.makeRoom(incoming));
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
    if (this.condition.state === 'ok') {
      const free = freeBytes(this.options.dataDir);
      if (free !== undefined && free < (this.options.minFreeBytes ?? 0)) {
        this.condition.diskFull(
          new Error(
            `${(free / 1e6).toFixed(1)} MB free, below store.min_free_mb (${Math.round((this.options.minFreeBytes ?? 0) / 1e6)} MB)`,
          ),
        );
      }
    }
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
