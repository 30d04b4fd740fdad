import { join } from 'node:path';
import { StoreError } from '../../shared/errors.ts';
import type { StoreHandle } from './handle.ts';
import { ReserveFile } from './reserve-file.ts';
import { StoreCondition, type StoreConditionReport, type WhenFull } from './store-condition.ts';
import { freeBytes, probeWritable } from './store-failure.ts';

/** SQLite's default: checkpoint when the WAL reaches 1000 pages. */
const NORMAL_AUTOCHECKPOINT_PAGES = 1000;
/** On a full disk: checkpoint early, so the WAL is reused from its start rather than grown. */
const DISK_FULL_AUTOCHECKPOINT_PAGES = 32;
const FREE_CHECK_MS = 1000;
/** The ballast beside the database (see ReserveFile). */
const RESERVE_FILE = 'echo.reserve';

export type RefusedKind = 'captures' | 'logs' | 'statuses';
export type RefusedCounts = Record<RefusedKind, number>;

export interface DiskSpaceOptions {
  dataDir: string;
  whenFull: WhenFull;
  /** `store.min_free_mb` in bytes: below it the disk counts as full. */
  minFreeBytes: number;
  /** `store.reserve_mb` in bytes: the ballast. */
  reserveBytes: number;
  now: () => number;
}

/**
 * The store's side of a host that fails (docs/store.md, "When the host fails"): its condition (ok,
 * disk full, unwritable), the ballast given back when the disk fills, the records refused while
 * it lasts (counted in memory: the counters live in the database that refuses), and the recheck
 * that resumes by itself. The Store asks it at its doors and after its failed writes.
 */
export class DiskSpace {
  readonly condition: StoreCondition;
  private readonly reserve: ReserveFile;
  private refused: RefusedCounts = { captures: 0, logs: 0, statuses: 0 };
  private freeCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly handle: StoreHandle,
    private readonly options: DiskSpaceOptions,
  ) {
    this.condition = new StoreCondition(options.dataDir, options.whenFull, options.now);
    this.reserve = new ReserveFile(join(options.dataDir, RESERVE_FILE), options.reserveBytes);
    handle.onHostFailure = (kind, error) =>
      kind === 'disk_full' ? this.condition.diskFull(error) : this.condition.unwritable(error);
    this.condition.onChange((report) => {
      if (report.state === 'disk_full') this.enterDiskFull();
    });
  }

  /** At open: the free space looked at, and the ballast made when there is room for it. */
  start(): void {
    this.checkFreeSpace();
    if (this.condition.state === 'ok') void this.reserve.ensure();
  }

  /**
   * Less free space than `store.min_free_mb` is a full disk, before the OS refuses a write. Looked
   * at most once a second (a statfs on every write would cost, and can block on a share).
   */
  checkFreeSpace(): void {
    if (this.condition.state !== 'ok' || this.options.minFreeBytes === 0) return;
    const now = performance.now();
    if (now - this.freeCheckedAt < FREE_CHECK_MS) return;
    this.freeCheckedAt = now;
    const free = freeBytes(this.options.dataDir);
    if (free === undefined || free >= this.options.minFreeBytes) return;
    this.condition.diskFull(
      new Error(
        `${(free / 1e6).toFixed(1)} MB free, below store.min_free_mb (${Math.round(this.options.minFreeBytes / 1e6)} MB)`,
      ),
    );
  }

  /**
   * While the disk is full with `stop_collecting`, or the store cannot be written, new records are
   * refused at the door (counted), before any work is spent on them.
   */
  refuseWhilePaused(kind: RefusedKind): void {
    if (!this.condition.collectionPaused) return;
    this.refused[kind]++;
    const report = this.condition.current;
    throw new StoreError(
      report.state === 'disk_full' ? 'ECHO_ERR_DISK_FULL' : 'ECHO_ERR_STORE_UNWRITABLE',
      report.message ?? 'the store cannot take new records now',
      { retryable: true },
    );
  }

  /** Counts records a full disk or an unwritable store refused (other failures are not counted). */
  countRefused(error: unknown, kind: RefusedKind, count = 1): void {
    if (isHostFailure(error)) this.refused[kind] += count;
  }

  /** True for a full disk under `drop_oldest_captures`: dropping the oldest may make room. */
  canMakeRoom(error: unknown): boolean {
    return (
      error instanceof StoreError &&
      error.code === 'ECHO_ERR_DISK_FULL' &&
      this.options.whenFull === 'drop_oldest_captures'
    );
  }

  /** Records refused while the disk is full or the store unwritable, not yet in the counters. */
  get refusedWhileFull(): RefusedCounts {
    return { ...this.refused };
  }

  /**
   * Looks again at a full disk or an unwritable store (at `store.recheck_interval_s`): when there
   * is room and a probe write to the database and the blob folder succeeds, the ballast is made
   * again, the condition is ok, and the refusals are handed to `count` (true). `count` runs in a
   * transaction; if it fails, the refusals wait for the next recheck.
   */
  recheck(probe: () => void, count: (refused: RefusedCounts) => void): boolean {
    if (this.condition.state === 'ok') return false;
    // Room for the ballast again and, beyond it, the minimum and as much again as the ballast: a
    // disk that only got the ballast's own bytes back is still full (no flapping).
    const free = freeBytes(this.options.dataDir);
    const needed = this.options.minFreeBytes + 2 * this.options.reserveBytes - this.reserve.size;
    if (this.condition.state === 'disk_full' && free !== undefined && free < needed) return false;
    try {
      this.handle.guard(() => {
        probe();
        // The blob folder too (made again if something removed it).
        const failure = probeWritable(join(this.options.dataDir, 'blobs'), true);
        if (failure) throw failure;
      });
    } catch (error) {
      if (isHostFailure(error)) return false;
      throw error;
    }
    void this.reserve.ensure();
    this.setAutoCheckpoint(NORMAL_AUTOCHECKPOINT_PAGES);
    const refused = this.refused;
    this.refused = { captures: 0, logs: 0, statuses: 0 };
    this.condition.recovered({ refused });
    try {
      this.handle.guard(() => this.handle.db.transaction(() => count(refused))());
    } catch (error) {
      // Space went again between the probe and now: the next recheck counts them.
      for (const kind of Object.keys(refused) as RefusedKind[]) this.refused[kind] += refused[kind];
      if (!isHostFailure(error)) throw error;
    }
    return true;
  }

  get report(): StoreConditionReport {
    const report = this.condition.current;
    return report.state === 'ok' ? report : { ...report, refused: this.refusedWhileFull };
  }

  /**
   * The disk just filled: the ballast goes back to the disk, and the WAL is checkpointed often so
   * that it is rewritten from its start instead of growing (a WAL that must grow cannot, now).
   */
  private enterDiskFull(): void {
    this.reserve.release();
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
}

/** A refusal by a full disk or an unwritable store: a state the store leaves by itself. */
export function isHostFailure(error: unknown): error is StoreError {
  return (
    error instanceof StoreError &&
    (error.code === 'ECHO_ERR_DISK_FULL' || error.code === 'ECHO_ERR_STORE_UNWRITABLE')
  );
}
