import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../../shared/errors.ts';
import { DATABASE_FILE } from '../database-file.ts';
import { BlobFiles } from './blob-files.ts';
import { CaptureQueue } from './capture-queue.ts';
import { CommandQueue } from './command-queue.ts';
import { DiskSpace, type RefusedCounts } from './disk-space.ts';
import { GroupCommit } from './group-commit.ts';
import { StoreHandle } from './handle.ts';
import { JobHistory } from './job-history.ts';
import { LogQueue } from './log-queue.ts';
import { makeRoom } from './make-room.ts';
import { openStoreDatabase, recoverDatabase } from './open-database.ts';
import {
  databaseBytes,
  insertRecords,
  logRecord,
  type PendingRecord,
  purgeSentBefore,
  statusRecord,
} from './pending-records.ts';
import { PollIngest } from './poll-ingest.ts';
import type { QuarantineReport } from './salvage.ts';
import { StatusQueue } from './status-queue.ts';
import type { StoreCondition, StoreConditionReport } from './store-condition.ts';
import { StoreStats } from './store-stats.ts';
import type { CaptureInput, LogInput, MachineStatusInput, PollRecords } from './types.ts';

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

const REFUSED_KIND = { capture: 'captures', log: 'logs', status: 'statuses', state: undefined } as const;

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
  /** Remote commands and their audit (core/commands). */
  readonly commands: CommandQueue;
  /**
   * Who is signed in to the cloud now (the sync engine sets it): each log entry keeps it as its
   * `user_uuid`. Null until the credential is read.
   */
  logUser: () => string | null = () => null;
  readonly stats: StoreStats;
  readonly path: string;
  private readonly handle: StoreHandle;
  private readonly blobs: BlobFiles;
  /** Captures and polls made into records, their large content written to blob files first. */
  private readonly ingest: PollIngest;
  private readonly commits: GroupCommit<PendingRecord>;
  private readonly now: () => number;
  private usedBytesEstimate = 0;
  private sizeCheckedAt = 0;
  private droppedSinceReport = { captures: 0, logs: 0, rejected: 0 };
  private readonly quarantines: QuarantineReport[] = [];
  /** A full disk or an unwritable store: the condition, the ballast, the refusals (DiskSpace). */
  private readonly space: DiskSpace;

  private constructor(
    private readonly options: StoreOptions,
    opened: ReturnType<typeof openStoreDatabase>,
    path: string,
  ) {
    this.path = path;
    this.now = options.now ?? Date.now;
    this.handle = new StoreHandle(opened.db, options.dataDir);
    this.handle.onCorruption = (reason) => this.recover(reason);
    this.space = new DiskSpace(this.handle, {
      dataDir: options.dataDir,
      whenFull: options.whenFull,
      minFreeBytes: options.minFreeBytes ?? 0,
      reserveBytes: options.reserveBytes ?? 0,
      now: this.now,
    });
    this.blobs = new BlobFiles(join(options.dataDir, 'blobs'));
    this.captures = new CaptureQueue(this.handle, this.now);
    this.logs = new LogQueue(this.handle, this.now);
    this.status = new StatusQueue(this.handle);
    this.jobs = new JobHistory(this.handle);
    this.commands = new CommandQueue(this.handle, this.now);
    this.stats = new StoreStats(this.handle, this.now);
    this.ingest = new PollIngest({
      handle: this.handle,
      blobs: this.blobs,
      space: this.space,
      inlineMaxBytes: options.inlineMaxBytes,
      now: this.now,
      // Read at each call: the sync engine replaces `logUser` once the credential is read.
      logUser: () => this.logUser(),
      makeRoom: (bytes) => this.makeRoom(bytes),
    });
    this.commits = new GroupCommit<PendingRecord>({
      ...options.groupCommit,
      commit: (items) => this.commitBatch(items),
    });
    if (opened.quarantine) this.noteQuarantine(opened.quarantine);
    this.space.start();
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
    const { record, echoCaptureId } = this.ingest.prepareCapture(input);
    await this.commits.write(record);
    return { echoCaptureId };
  }

  /**
   * Stores what one poll of a machine read, in one transaction: its captures, its log lines and
   * the collector's new position (log offsets, watermarks; `state`, keys of the kv table). A crash
   * leaves either all of it or none, so the next poll neither skips nor repeats a line.
   */
  async ingestPoll(poll: PollRecords): Promise<{ echoCaptureIds: string[] }> {
    if (poll.captures.length > 0) this.refuseWhenFull();
    if (poll.logs.length > 0) this.space.refuseWhilePaused('logs');
    const { records, echoCaptureIds } = this.ingest.pollRecords(poll);
    await this.commits.writeAll(records);
    return { echoCaptureIds };
  }

  /** Stores a log entry (machine or agent); resolves once durable. */
  async ingestLog(entry: LogInput): Promise<void> {
    this.space.refuseWhilePaused('logs');
    await this.commits.write(logRecord(entry, this.now(), this.logUser()));
  }

  /** Records a machine status change; resolves once durable. */
  async recordMachineStatus(status: MachineStatusInput): Promise<void> {
    this.space.refuseWhilePaused('statuses');
    await this.commits.write(statusRecord(status, this.now()));
  }

  /** Commits whatever is queued now (used on shutdown). */
  flush(): void {
    this.commits.flush();
  }

  /** Deletes records sent longer ago than the retention, keeping the newest status per machine. */
  purgeRetention(): { captures: number; logs: number; statuses: number; healthReports: number } {
    const before = this.now() - this.options.retentionMs;
    return this.handle.guard(() => purgeSentBefore(this.handle, before));
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
    return this.space.recheck(
      () =>
        this.handle.durably(() =>
          this.stats.setValue('store.last_write_probe', new Date(this.now()).toISOString()),
        ),
      (refused) => {
        if (refused.captures > 0) this.stats.increment('captures_refused_disk_full', refused.captures);
        if (refused.logs > 0) this.stats.increment('logs_refused_disk_full', refused.logs);
        if (refused.statuses > 0) this.stats.increment('statuses_refused_disk_full', refused.statuses);
      },
    );
  }

  /** Records refused while the disk is full or the store unwritable, not yet in the counters. */
  get refusedWhileFull(): RefusedCounts {
    return this.space.refusedWhileFull;
  }

  /** The store's condition: ok, disk full, unwritable (see StoreCondition). */
  get condition(): StoreCondition {
    return this.space.condition;
  }

  get conditionReport(): StoreConditionReport {
    return this.space.report;
  }

  private refuseWhenFull(): void {
    this.space.refuseWhilePaused('captures');
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

  private commitBatch(items: readonly PendingRecord[]): void {
    const run = () => this.writeBatch(items);
    try {
      this.handle.guard(run);
    } catch (error) {
      try {
        // After a recovery the batch is written once more into the salvaged database; on a full
        // disk with drop_oldest_captures, once more: the store is now in its disk-full state, in
        // which writeBatch makes room first.
        const retry =
          (error instanceof StoreError && error.code === 'ECHO_ERR_STORE_CORRUPT') ||
          this.space.canMakeRoom(error);
        if (!retry) throw error;
        this.handle.guard(run);
      } catch (failure) {
        for (const item of items) {
          const kind = REFUSED_KIND[item.kind];
          if (kind) this.space.countRefused(failure, kind);
        }
        throw failure;
      }
    }
  }

  private writeBatch(items: readonly PendingRecord[]): void {
    const incoming = items.reduce((sum, item) => sum + item.bytes, 0);
    const freedBlobs: string[] = [];
    this.handle.durably(() => {
      if (this.usedBytesEstimate + incoming > this.options.maxSizeBytes) {
        freedBlobs.push(
          ...this.makeRoom(this.usedBytesEstimate + incoming - this.options.maxSizeBytes * 0.95),
        );
      } else if (this.space.condition.state === 'disk_full') {
        // The disk is full: the database must not grow. Rows deleted now leave pages that the
        // inserts below reuse (content already in blob files takes no room in the database).
        freedBlobs.push(...this.makeRoom(items.reduce((sum, item) => sum + databaseBytes(item), 0)));
      }
      const blobBytes = insertRecords(this.handle, items);
      if (blobBytes > 0) this.stats.increment('blob_bytes', blobBytes);
    });
    for (const path of freedBlobs) rmSync(path, { force: true });
    this.usedBytesEstimate += incoming;
    this.refreshSize();
  }

  /** Frees about `bytes` in the current transaction (see makeRoom); returns blob files to delete. */
  private makeRoom(bytes: number): string[] {
    const room = makeRoom(this.handle, this.stats, this.options.whenFull, bytes);
    this.droppedSinceReport.captures += room.droppedCaptures;
    this.droppedSinceReport.logs += room.droppedLogs;
    this.usedBytesEstimate -= room.freed;
    return room.paths;
  }

  /**
   * The size estimate, at most once a second on the write path (`force`: now, for `status`). The
   * free space is looked at on the write path only (at most once a second too): reading status
   * never changes the store's condition.
   */
  private refreshSize(force = false): void {
    if (!force) this.space.checkFreeSpace();
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
