import type { Logger } from 'pino';
import { StoreError } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';
import type { StoreStats } from '../store/store-stats.ts';
import { type ClockJump, HostClockMonitor, type SleepGap, type SleepWitness } from './host-clock-monitor.ts';
import type { HostProbe } from './host-probe.ts';
import { SleepGapLog, type SleepGapView } from './sleep-gaps.ts';

export interface HostTimeDeps {
  clock: Clock;
  logger: Logger;
  stats: StoreStats;
  /** `intervals.asleep_after`, in ms. */
  asleepAfterMs: number;
  probe?: HostProbe;
  /** Echo runs again after a sleep: machines are polled again on new connections, the cloud asked. */
  resumed(gap: SleepGap): void;
}

/**
 * What Echo does about the host's time: a clock jump is said once (warn, with its size) and
 * counted (`clock_jumps`); a sleep is said once (info), counted (`asleep_gaps`), kept for the
 * machines' history and handed to `resumed`. The monitor behind it answers the machine loops'
 * question "did Echo sleep during this poll?".
 */
export class HostTime {
  readonly witness: SleepWitness;
  private readonly monitor: HostClockMonitor;
  private readonly gaps: SleepGapLog;

  constructor(private readonly deps: HostTimeDeps) {
    this.gaps = new SleepGapLog(deps.stats, deps.logger);
    this.monitor = new HostClockMonitor(
      deps.clock,
      { jumped: (jump) => this.jumped(jump), asleep: (gap) => this.asleep(gap) },
      { asleepAfterMs: deps.asleepAfterMs, ...(deps.probe ? { probe: deps.probe } : {}) },
    );
    this.witness = this.monitor;
  }

  start(): void {
    this.monitor.start();
  }

  stop(): void {
    this.monitor.stop();
  }

  /** Compares the clocks now (tests; otherwise the tick and the machine loops do). */
  check(): void {
    this.monitor.check();
  }

  /** The last sleeps, newest first: every machine's history shows them. */
  sleeps(): SleepGapView[] {
    return this.gaps.recent();
  }

  private jumped(jump: ClockJump): void {
    const direction = jump.ms > 0 ? 'forward' : 'back';
    this.deps.logger.warn(
      { jump_ms: jump.ms, from: new Date(jump.from).toISOString(), to: new Date(jump.to).toISOString() },
      `the clock jumped ${direction} by ${describeDuration(Math.abs(jump.ms))}: polls, retries and batches keep their intervals; timestamps on either side of it are not comparable`,
    );
    this.count('clock_jumps');
  }

  private asleep(gap: SleepGap): void {
    const from = new Date(gap.from).toISOString();
    const to = new Date(gap.to).toISOString();
    const seconds = Math.round(gap.ms / 1000);
    this.deps.logger.info(
      { from, to, seconds, kind: gap.kind },
      `Echo was asleep from ${from} to ${to} (${seconds} s): machines are polled again on new connections; polls that failed across it are not machine failures`,
    );
    this.count('asleep_gaps');
    this.gaps.add(gap);
    this.deps.resumed(gap);
  }

  /** A counter the store cannot take now (full disk) is not worth more than the log line. */
  private count(name: string): void {
    try {
      this.deps.stats.increment(name);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
    }
  }
}

/** "2 h 5 min", "1 h", "3 min 20 s", "4.5 s": rounded to what the size needs. */
export function describeDuration(ms: number): string {
  if (ms < 59_950) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_599_500) {
    const seconds = Math.round(ms / 1000);
    return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
