import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** After a failed write, lines are dropped (counted) for this long before the file is tried again. */
const RETRY_AFTER_MS = 5000;

/**
 * A size-rotated log file: `echo.log`, then `echo.log.1` … `echo.log.<count-1>`. Writes are
 * synchronous so that the last lines before a crash are on disk, which is what a log is for.
 *
 * A log must never take the agent down: a full disk, a folder made read-only or a file that cannot
 * be opened makes it drop lines (counted) and try again a few seconds later; the first line written
 * after that says how many were lost and why. The other sinks (stdout, the store) go on meanwhile.
 */
export class RotatingFile {
  private fd: number | undefined;
  private size = 0;
  private closed = false;
  private failedAt: number | undefined;
  private failure: string | undefined;
  /** Lines dropped since the last successful write. */
  private droppedNow = 0;
  /** Lines dropped since the file was opened. */
  dropped = 0;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly count: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tryOpen();
  }

  write(line: string): void {
    // A line logged by work that finishes after shutdown has nowhere to go; it must not throw.
    if (this.closed) return;
    const waiting = this.failedAt !== undefined && this.now() - this.failedAt < RETRY_AFTER_MS;
    if (waiting || (this.fd === undefined && !this.tryOpen())) {
      this.drop();
      return;
    }
    try {
      if (this.droppedNow > 0) this.append(this.lostLine());
      this.append(line);
      this.droppedNow = 0;
      this.failedAt = undefined;
    } catch (error) {
      this.fail(error);
      this.drop();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.size + bytes > this.maxBytes && this.size > 0) this.rotate();
    writeSync(this.fd!, line);
    this.size += bytes;
  }

  private lostLine(): string {
    return `${JSON.stringify({
      level: 40,
      time: Date.now(),
      pid: process.pid,
      msg: `${this.droppedNow} log lines could not be written to this file (${this.failure ?? 'write failed'})`,
    })}\n`;
  }

  private drop(): void {
    this.droppedNow++;
    this.dropped++;
  }

  private tryOpen(): boolean {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a', 0o600);
      this.size = existsSync(this.path) ? statSync(this.path).size : 0;
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  private fail(error: unknown): void {
    this.failedAt = this.now();
    this.failure =
      (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.message : String(error));
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // The descriptor is what failed; it is reopened at the next try either way.
      }
      this.fd = undefined;
    }
  }

  private rotate(): void {
    closeSync(this.fd!);
    this.fd = undefined;
    rmSync(`${this.path}.${this.count - 1}`, { force: true });
    for (let i = this.count - 2; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    if (this.count > 1) renameSync(this.path, `${this.path}.1`);
    else rmSync(this.path, { force: true });
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }
}
