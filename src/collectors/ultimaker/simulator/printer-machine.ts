import { randomUUID } from 'node:crypto';
import { localTime, type PrinterHistory } from './history.ts';

/** The job on the printer (printing, paused, or ended and waiting for its plate to be cleared). */
export interface PrintJob {
  name: string;
  uuid: string;
  total: number;
  elapsed: number;
  paused: boolean;
  started: number;
  /** Ended, waiting for the build plate to be cleared (`waitForCleanup`). */
  ended?: 'Finished' | 'Aborted';
}

/**
 * The printer itself, without its HTTP server: its status, the job on it, its temperatures, and
 * the simulated clock that moves them (`speed` simulated seconds per real second). Every change
 * is written to the history as the printer's event log does.
 */
export class PrinterMachine {
  job: PrintJob | undefined;
  status = 'idle';
  bed = 22;
  nozzle = 22;
  private lastTick = Date.now();

  constructor(
    private readonly history: PrinterHistory,
    private readonly speed: number,
    /** An ended job stays in `wait_cleanup` until `clearBuildPlate()` (SimulatorOptions). */
    private readonly waitForCleanup: boolean,
  ) {}

  startJob(name: string, durationSeconds: number): string {
    this.advance();
    this.job = {
      name,
      uuid: randomUUID(),
      total: durationSeconds,
      elapsed: 0,
      paused: false,
      started: Date.now(),
    };
    this.status = 'printing';
    this.event(0x20001, `Print job ${name} started`);
    return this.job.uuid;
  }

  pause(): void {
    this.advance();
    if (this.job) this.job.paused = true;
    this.event(0x20003, 'Print job paused');
  }

  resume(): void {
    this.advance();
    if (this.job) this.job.paused = false;
    this.event(0x20004, 'Print job resumed');
  }

  /** The job aborted from the printer: it ends at once and the printer is idle again. */
  abort(): void {
    this.advance();
    if (!this.job) return;
    this.event(0x20005, `Print job ${this.job.name} aborted`);
    this.end('Aborted');
  }

  /** A job ended: into the history, and off the printer (or waiting for its plate to be cleared). */
  private end(result: 'Finished' | 'Aborted'): void {
    const job = this.job!;
    this.history.finished({
      uuid: job.uuid,
      name: job.name,
      datetime_started: localTime(job.started),
      result,
      time_elapsed: Math.round(job.elapsed),
      time_estimated: job.total,
      time_total: job.total,
    });
    if (this.waitForCleanup) {
      job.ended = result;
      return;
    }
    this.job = undefined;
    this.status = 'idle';
  }

  /** The operator confirms the build plate is cleared: the ended job leaves, the printer is idle. */
  clearBuildPlate(): void {
    if (!this.job?.ended) return;
    this.job = undefined;
    this.status = 'idle';
  }

  /** The printer stops with an error (e.g. a flow sensor), keeping the job. */
  fail(message: string): void {
    this.advance();
    this.status = 'error';
    this.event(0x10001, message);
  }

  clearError(): void {
    this.status = this.job ? 'printing' : 'idle';
  }

  /** A power cycle: the job is lost and the printer comes back idle. */
  powerOff(): void {
    this.job = undefined;
    this.status = 'idle';
  }

  /** `PUT /print_job/state {"target": …}`: the status and answer. */
  changeJobState(target: unknown): [number, unknown] {
    if (!this.job) return [404, { message: 'No print job' }];
    if (target === 'pause' && !this.job.paused) this.pause();
    else if (target === 'print' && this.job.paused) this.resume();
    else if (target === 'abort') this.abort();
    else if (target !== 'pause' && target !== 'print') return [400, { message: 'Invalid target' }];
    return [204, undefined];
  }

  /** Moves simulated time forward to now: job progress, temperatures, the end of the job. */
  advance(): void {
    const now = Date.now();
    const seconds = ((now - this.lastTick) / 1000) * this.speed;
    this.lastTick = now;
    const printing = this.status === 'printing' && this.job && !this.job.paused && !this.job.ended;
    const approach = (current: number, target: number) =>
      current + (target - current) * Math.min(1, seconds / 30);
    this.bed = approach(this.bed, printing ? 60 : 22);
    this.nozzle = approach(this.nozzle, printing ? 210 : 22);
    if (printing && this.job) {
      this.job.elapsed = Math.min(this.job.total, this.job.elapsed + seconds);
      if (this.job.elapsed >= this.job.total) {
        this.event(0x20002, `Print job ${this.job.name} finished`);
        this.end('Finished');
      }
    }
  }

  event(typeId: number, message: string): void {
    this.history.event(typeId, message);
  }
}
