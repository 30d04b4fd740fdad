import type { Clock } from '../clock.ts';
import { type HostProbe, realHost } from './host-probe.ts';

/** A step of the wall clock that monotonic time did not take (NTP, someone setting the time). */
export interface ClockJump {
  /** The size of the step (ms): positive forwards, negative backwards. */
  ms: number;
  /** The wall time as it would read without the step, and as it reads after it. */
  from: number;
  to: number;
}

/** A stretch during which Echo did not run. */
export interface SleepGap {
  /** Wall time of the last look before the gap and of the first one after it. */
  from: number;
  to: number;
  ms: number;
  /** Of `ms`, what the monotonic clock did not see (it stops while the PC is suspended). */
  unseenMs: number;
  /** `paused`: the process was stopped (SIGSTOP, the OS froze it); `suspended`: the PC slept. */
  kind: 'paused' | 'suspended';
}

/** What a machine loop or the watchdog asks: did Echo sleep while I waited? */
export interface SleepWitness {
  /** A mark of this moment, for `sleptSince`. */
  mark(): number;
  /** Whether Echo slept after `mark`; the clocks are compared now, not at the next tick. */
  sleptSince(mark: number): boolean;
  /** Whether a sleep ended within the last `ms` of real time (compared now). */
  sleptWithin(ms: number): boolean;
}

export interface HostClockOptions {
  /** A gap of at least this much in which Echo did not run is a sleep (ms of real time). */
  asleepAfterMs: number;
  /** How often the clocks are compared (ms of real time). */
  tickMs?: number;
  /** The smallest wall-clock step reported (ms). */
  jumpMinMs?: number;
  probe?: HostProbe;
}

export interface HostClockEvents {
  jumped(jump: ClockJump): void;
  asleep(gap: SleepGap): void;
}

interface Reading {
  wall: number;
  mono: number;
  real: number;
  boot: number;
  cpu: number;
}

const TICK_MS = 500;
/** NTP slews small offsets; a step under a second changes nothing Echo shows. */
const JUMP_MIN_MS = 1000;
/** Boot time and monotonic time disagree by os.uptime()'s resolution (10 ms); under this, no suspend. */
const SUSPEND_NOISE_MS = 250;
/**
 * A late look while the process used less CPU than this share of the wait: it was not running
 * (stopped, frozen, or starved by the OS), not busy. A busy event loop is the watchdog's business.
 */
const BUSY_SHARE = 0.5;

/**
 * Compares three clocks at a regular tick (and whenever asked): wall time, monotonic time and time
 * since boot. The wall clock moving by more than the monotonic one is a clock jump; a look that
 * comes far later than its tick while the process used no CPU is a paused process; boot time
 * moving by more than monotonic time is a suspended PC (CLOCK_MONOTONIC stops during a suspend on
 * Linux and macOS, CLOCK_BOOTTIME does not). Each is seen once, at the first look after it.
 */
export class HostClockMonitor implements SleepWitness {
  private readonly probe: HostProbe;
  private readonly tickMs: number;
  private readonly jumpMinMs: number;
  private last: Reading;
  /** Real time of the look that found the latest sleep. */
  private lastSleepSeenAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly events: HostClockEvents,
    private readonly options: HostClockOptions,
  ) {
    this.probe = options.probe ?? realHost;
    this.tickMs = options.tickMs ?? TICK_MS;
    this.jumpMinMs = options.jumpMinMs ?? JUMP_MIN_MS;
    this.last = this.read();
  }

  start(): void {
    this.last = this.read();
    this.timer ??= setInterval(() => this.check(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Compares the clocks with the last look and reports a jump or a sleep in between. Cheap (a few
   * system calls): a question that depends on it calls it rather than trusting that the tick's
   * timer ran first (after a SIGCONT every expired timer fires at once, in no useful order).
   */
  check(): void {
    const now = this.read();
    const last = this.last;
    this.last = now;
    const real = now.real - last.real;
    const unseen = now.boot - last.boot - real;
    const suspendedMs = unseen >= SUSPEND_NOISE_MS ? unseen : 0;
    const mono = now.mono - last.mono;
    // A suspend moves the wall clock and not the monotonic one: that is no jump.
    const step = now.wall - last.wall - mono - suspendedMs;
    if (Math.abs(step) >= this.jumpMinMs) {
      this.events.jumped({ ms: Math.round(step), from: Math.round(now.wall - step), to: now.wall });
    }
    const suspended = suspendedMs >= this.options.asleepAfterMs;
    const paused = real - this.tickMs >= this.options.asleepAfterMs && now.cpu - last.cpu < real * BUSY_SHARE;
    if (!suspended && !paused) return;
    this.lastSleepSeenAt = now.real;
    const ms = Math.round(mono + suspendedMs);
    this.events.asleep({
      from: now.wall - ms,
      to: now.wall,
      ms,
      unseenMs: Math.round(suspendedMs),
      kind: suspended ? 'suspended' : 'paused',
    });
  }

  mark(): number {
    return this.probe.realMs();
  }

  sleptSince(mark: number): boolean {
    this.check();
    return this.lastSleepSeenAt !== undefined && this.lastSleepSeenAt > mark;
  }

  sleptWithin(ms: number): boolean {
    this.check();
    return this.lastSleepSeenAt !== undefined && this.probe.realMs() - this.lastSleepSeenAt <= ms;
  }

  private read(): Reading {
    return {
      wall: this.clock.now(),
      mono: this.clock.monotonic(),
      real: this.probe.realMs(),
      boot: this.probe.bootMs(),
      cpu: this.probe.cpuMs(),
    };
  }
}
