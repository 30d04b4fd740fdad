import { describeError } from '../../shared/errors.ts';
import type { ResolvedConfig } from '../config/load.ts';
import { freeBytes } from './store-failure.ts';

/** What the store can do now: write, or wait out a full disk or a folder it cannot write. */
export type StoreConditionState = 'ok' | 'disk_full' | 'unwritable';

/** The store's condition as `status`, the UI and the alert show it. */
export interface StoreConditionReport {
  state: StoreConditionState;
  /** When the store entered this state (ISO); absent when ok. */
  since?: string;
  /** Free bytes on the data folder's file system when last looked at. */
  freeBytes?: number;
  /** The failure that put the store in this state, in words. */
  reason?: string;
  /** What Echo does while it lasts. */
  action?: string;
  /** One sentence for the operator: the state, the free space, what Echo does now. */
  message?: string;
  /** Records refused while it lasts (counted in the store's counters once it ends). */
  refused?: { captures: number; logs: number; statuses: number };
}

export type WhenFull = ResolvedConfig['store']['when_full'];

/** How long a free-space reading is reused: status is read often, statfs can block on a share. */
const FREE_SPACE_FRESH_MS = 1000;

/**
 * The store's condition: `ok`, `disk_full` (SQLITE_FULL or ENOSPC, or less free space than
 * `store.min_free_mb`) or `unwritable` (read-only folder, permissions changed, a share gone). It is
 * entered by a failed write and left only by a successful probe (see Store.recheck), so a flapping
 * disk is not reported as flapping. Listeners hear each change once (the alert and the log line).
 */
export class StoreCondition {
  private report: StoreConditionReport = { state: 'ok' };
  private free: { bytes: number | undefined; at: number } | undefined;
  private readonly listeners: Array<(report: StoreConditionReport, previous: StoreConditionReport) => void> =
    [];

  constructor(
    private readonly dataDir: string,
    private readonly whenFull: WhenFull,
    private readonly now: () => number,
  ) {}

  get current(): StoreConditionReport {
    if (this.report.state === 'disk_full') {
      // The free space moves while the disk is full (Echo and others free or take space).
      const free = this.freeSpace();
      return {
        ...this.report,
        ...(free === undefined ? {} : { freeBytes: free }),
        message: this.describe(free),
      };
    }
    return this.report;
  }

  get state(): StoreConditionState {
    return this.report.state;
  }

  /** True while collection must wait: the store cannot take new records at all. */
  get collectionPaused(): boolean {
    return (
      this.report.state === 'unwritable' ||
      (this.report.state === 'disk_full' && this.whenFull === 'stop_collecting')
    );
  }

  onChange(listener: (report: StoreConditionReport, previous: StoreConditionReport) => void): void {
    this.listeners.push(listener);
  }

  diskFull(error: unknown): void {
    if (this.report.state === 'disk_full') return;
    const free = freeBytes(this.dataDir);
    this.set({
      state: 'disk_full',
      since: new Date(this.now()).toISOString(),
      ...(free === undefined ? {} : { freeBytes: free }),
      reason: describeError(error),
      action:
        this.whenFull === 'drop_oldest_captures'
          ? 'the store stops growing: new records replace the oldest unsent captures (counted), and sending what is stored goes on and frees space'
          : 'collection is paused (store.when_full = stop_collecting); sending what is stored goes on and frees space',
    });
  }

  unwritable(error: unknown): void {
    if (this.report.state === 'unwritable') return;
    this.set({
      state: 'unwritable',
      since: new Date(this.now()).toISOString(),
      reason: describeError(error),
      action: 'collection is paused until the data folder can be written again; Echo retries by itself',
    });
  }

  /** The store writes again; `ended` adds what the condition cost (to the listeners' `previous`). */
  recovered(ended: Pick<StoreConditionReport, 'refused'> = {}): void {
    if (this.report.state === 'ok') return;
    this.set({ state: 'ok' }, ended);
  }

  private freeSpace(): number | undefined {
    const now = performance.now();
    if (!this.free || now - this.free.at > FREE_SPACE_FRESH_MS)
      this.free = { bytes: freeBytes(this.dataDir), at: now };
    return this.free.bytes;
  }

  /**
   * The state changes at once (writes are refused from the next one on); listeners hear of it
   * right after the current call stack, never inside the write or transaction that failed.
   */
  private set(report: StoreConditionReport, ended: Partial<StoreConditionReport> = {}): void {
    const previous = { ...this.report, ...ended };
    const free = report.state === 'disk_full' ? report.freeBytes : undefined;
    this.report =
      report.state === 'ok'
        ? report
        : {
            ...report,
            message:
              report.state === 'disk_full' ? this.describe(free, report) : this.describeUnwritable(report),
          };
    const current = this.report;
    queueMicrotask(() => {
      for (const listener of this.listeners) listener(current, previous);
    });
  }

  private describe(free: number | undefined, report = this.report): string {
    const space = free === undefined ? 'free space unknown' : `${(free / 1e6).toFixed(1)} MB free`;
    return `Disk full: ${space} in ${this.dataDir}. ${capitalize(report.action ?? '')}.`;
  }

  private describeUnwritable(report: StoreConditionReport): string {
    return `The store in ${this.dataDir} cannot be written (${report.reason}). ${capitalize(report.action ?? '')}.`;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
