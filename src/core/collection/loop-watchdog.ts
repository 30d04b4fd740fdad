import { createHook } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { SleepWitness } from '../host/host-clock-monitor.ts';
import { currentMachineScope } from './machine-scope.ts';

export interface LoopWatchdogOptions {
  /** A gap this much longer than the tick is a stall (ms). */
  stallMs: number;
  /** While attributing, a single callback this long is named (ms). */
  sliceMs: number;
  /** How long attribution stays on after a stall (ms). */
  attributeForMs: number;
  tickMs: number;
}

export const DEFAULT_WATCHDOG: LoopWatchdogOptions = {
  stallMs: 500,
  sliceMs: 100,
  attributeForMs: 60_000,
  tickMs: 250,
};

/** The last stall of the event loop, for `status` and the UI. */
export interface LoopStall {
  at: string;
  ms: number;
  /** The machine whose code held the loop, when attribution caught it. */
  machine: string | undefined;
}

export interface LoopHealth {
  stalls: number;
  lastStall: LoopStall | undefined;
}

/**
 * Detects an event loop that does not come round (one machine's parser spinning on a hostile
 * payload would freeze every other machine, the local API and the sync), and names the machine.
 * A tick every `tickMs` measures how late it runs. Naming costs an async hook that times every
 * callback, too much to leave on: it is switched on when a stall is seen, for `attributeForMs`,
 * so a machine that stalls the loop again is caught and named in the log and its status.
 */
export class LoopWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  private attributeUntil = 0;
  private stallCount = 0;
  private last: LoopStall | undefined;
  /** The longest slice seen since the last tick, and whose. */
  private slowest: { ms: number; machine: string | undefined } | undefined;
  private readonly starts = new Map<number, number>();
  private readonly hook = createHook({
    before: (id) => {
      // A callback that threw never reaches `after`: keep the map from growing on those.
      if (this.starts.size > 10_000) this.starts.clear();
      this.starts.set(id, performance.now());
    },
    after: (id) => {
      const started = this.starts.get(id);
      if (started === undefined) return;
      this.starts.delete(id);
      const ms = performance.now() - started;
      if (ms < this.options.sliceMs) return;
      const scope = currentMachineScope();
      scope?.blocked(ms);
      if (!this.slowest || ms > this.slowest.ms) this.slowest = { ms, machine: scope?.machine };
    },
  });
  private hookOn = false;

  constructor(
    private readonly logger: Logger,
    private readonly options: LoopWatchdogOptions = DEFAULT_WATCHDOG,
    /** A late tick because Echo was asleep (paused, PC suspended) is no stall: no code held the loop. */
    private readonly sleep?: Pick<SleepWitness, 'sleptWithin'>,
  ) {}

  start(): void {
    this.expected = performance.now() + this.options.tickMs;
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.setAttribution(false);
  }

  health(): LoopHealth {
    return { stalls: this.stallCount, lastStall: this.last };
  }

  private tick(): void {
    const now = performance.now();
    const late = now - this.expected;
    this.expected = now + this.options.tickMs;
    const slowest = this.slowest;
    this.slowest = undefined;
    if (late >= this.options.stallMs && this.sleep?.sleptWithin(late + this.options.tickMs)) return;
    if (late >= this.options.stallMs) {
      this.stallCount++;
      this.last = { at: new Date().toISOString(), ms: Math.round(late), machine: slowest?.machine };
      if (slowest?.machine) {
        this.logger.warn(
          { machine: slowest.machine, blockedMs: Math.round(slowest.ms), lateMs: Math.round(late) },
          'a machine held the event loop: every other machine, the sync and the local API waited',
        );
      } else {
        this.logger.warn(
          { lateMs: Math.round(late), attributing: !this.hookOn },
          this.hookOn
            ? 'the event loop stalled (not in a machine: the core itself)'
            : 'the event loop stalled; timing callbacks for a while to find the cause',
        );
      }
      this.attributeUntil = now + this.options.attributeForMs;
      this.setAttribution(true);
    } else if (this.hookOn && now > this.attributeUntil) {
      this.setAttribution(false);
    }
  }

  private setAttribution(on: boolean): void {
    if (on === this.hookOn) return;
    this.hookOn = on;
    this.starts.clear();
    if (on) this.hook.enable();
    else this.hook.disable();
  }
}
