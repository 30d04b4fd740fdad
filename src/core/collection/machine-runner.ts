import type { Logger } from 'pino';
import type {
  Collector,
  CollectorCapture,
  CommandResult,
  MachineCommand,
  MachineLogLine,
  PrintingPreset,
} from '../../collectors/sdk/collector.ts';
import { CollectorError } from '../../collectors/sdk/collector-error.ts';
import { machineSnapshot } from '../../collectors/sdk/machine-snapshot.ts';
import type { MachineConfig } from '../../shared/config/schema.ts';
import { describeError, StoreError } from '../../shared/errors.ts';
import { type Clock, Wakeup } from '../clock.ts';
import type { SleepWitness } from '../host/host-clock-monitor.ts';
import { backoffDelay } from '../sync/backoff.ts';
import { CaptureFilter } from './capture-filter.ts';
import type { CollectionSink } from './collection-sink.ts';
import { type MachineLiveStatus, MachineStatusTracker } from './machine-live-status.ts';
import { inMachineScope, type MachineScope } from './machine-scope.ts';
import type { PollLagStats } from './poll-lag.ts';
import type { StagedState } from './staged-state.ts';
import { withTimeout } from './with-timeout.ts';

const RECONNECT_INITIAL_MS = 1000;
const RECONNECT_MAX_MS = 60_000;
const JITTER = 0.1;
/** A poll later than this asks whether Echo slept (a sleep is no lateness of the scheduler). */
const LATE_POLL_MS = 1000;

export type { MachineLiveStatus } from './machine-live-status.ts';

/**
 * Runs one machine: connect, poll at its interval with jitter, every call under a timeout; on a
 * failure, close, report the machine's state and reconnect with capped exponential backoff. A
 * status change is recorded the moment it is seen; captures are stored when their content changed
 * or the unchanged interval passed. Each machine has its own loop: none can block another.
 */
export class MachineRunner {
  private readonly controller = new AbortController();
  private readonly wakeup = new Wakeup();
  private readonly filter: CaptureFilter;
  private loop: Promise<void> | undefined;
  /** An error that escaped the collector between polls: the loop fails the machine with it. */
  private pendingFault: CollectorError | undefined;
  /** The scope this machine's loop and everything it starts run in (machine-scope.ts). */
  readonly scope: MachineScope;
  private connected = false;
  /** Set on resume after a sleep: the next attempt closes, connects again and polls at once. */
  private replaceConnection = false;
  /** The live status the local API shows and the status changes the store records. */
  private readonly tracker: MachineStatusTracker;

  constructor(
    private readonly machine: MachineConfig,
    private readonly collector: Collector,
    private readonly sink: CollectionSink,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly state: StagedState,
    private readonly pollLag?: PollLagStats,
    /** Tells whether Echo slept during a poll (host/host-clock-monitor.ts). */
    private readonly witness?: SleepWitness,
  ) {
    this.filter = new CaptureFilter(machine.unchanged_capture_interval * 1000);
    this.tracker = new MachineStatusTracker(machine.name, sink, clock, logger);
    this.scope = {
      machine: machine.name,
      fault: (error) => this.fault(error),
      blocked: (ms) => this.tracker.countBlocked(ms),
    };
  }

  start(): void {
    this.loop = inMachineScope(this.scope, () => this.run(this.controller.signal));
  }

  /**
   * An error escaped the collector outside a poll (the crash guard traced it here): the machine
   * fails with a protocol error at once, backs off and reconnects; no other machine notices.
   */
  private fault(error: unknown): void {
    this.tracker.countFault();
    this.pendingFault ??= new CollectorError(
      'protocol',
      `the collector failed outside a poll: ${describeError(error)}`,
      error,
    );
    this.wakeup.poke();
  }

  /** Throws the fault that escaped the collector since the last check, once. */
  private takeFault(): void {
    const fault = this.pendingFault;
    this.pendingFault = undefined;
    if (fault) throw fault;
  }

  /**
   * Echo runs again after a sleep: poll now, on a new connection (the old socket may be dead on
   * either side; a machine polled through it would look offline for a timeout).
   */
  resume(): void {
    this.replaceConnection = true;
    this.wakeup.poke();
  }

  /**
   * A remote command on this machine's connected collector, in the machine's scope (a fault it
   * causes fails this machine only). Throws when the collector has no `control`.
   */
  async control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    const collector = this.collector;
    if (!collector.control)
      throw new Error(`the ${this.machine.collector} collector has no control operations`);
    // Just started or reconnecting (a restart, a dropped link): give the connection a moment
    // (its connect timeout, at least 5 s) rather than fail a command the machine could take.
    const until = this.clock.monotonic() + Math.max(5000, this.machine.timeout * 1000);
    while (!this.connected && !signal.aborted && this.clock.monotonic() < until) {
      await this.clock.sleep(100, signal);
    }
    return inMachineScope(this.scope, () => collector.control!(command, signal));
  }

  /**
   * What the machine's state proves of a command that may have reached it (see Collector.verify);
   * waits for the connection like `control`. Undefined when the collector cannot tell.
   */
  async verify(command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined> {
    const collector = this.collector;
    if (!collector.verify) return undefined;
    const until = this.clock.monotonic() + Math.max(5000, this.machine.timeout * 1000);
    while (!this.connected && !signal.aborted && this.clock.monotonic() < until) {
      await this.clock.sleep(100, signal);
    }
    if (!this.connected) return undefined;
    return inMachineScope(this.scope, () => collector.verify!(command, signal));
  }

  /** Whether the collector reads printing presets. */
  get readsPresets(): boolean {
    return this.collector.readPresets !== undefined;
  }

  /** The printing presets the machine offers, read on its connected collector, in its scope. */
  presets(signal: AbortSignal): Promise<PrintingPreset[]> {
    const collector = this.collector;
    if (!collector.readPresets) return Promise.resolve([]);
    if (!this.connected) return Promise.reject(new Error(`${this.machine.name} is not connected`));
    return inMachineScope(this.scope, () => collector.readPresets!(signal));
  }

  /** Poll now (a push-mode collector heard from its machine). */
  notify(): void {
    this.wakeup.poke();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.wakeup.poke();
    await this.loop;
    await this.closeCollector();
  }

  status(): MachineLiveStatus {
    return this.tracker.current;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const timeoutMs = this.machine.timeout * 1000;
    let attempt = 0;
    /** When the next poll is due (monotonic); undefined after a failure or an early wake-up. */
    let dueAt: number | undefined;
    /** Taken before the wait for `dueAt`: a sleep in that wait is not poll lag. */
    let waitMark: number | undefined;
    while (!signal.aborted) {
      if (!this.sink.collecting()) {
        await this.wakeup.wait(this.clock, 1000, signal);
        continue;
      }
      if (this.replaceConnection) {
        this.replaceConnection = false;
        this.connected = false;
        dueAt = undefined;
        await this.closeCollector();
      }
      const attemptMark = this.witness?.mark();
      try {
        this.takeFault();
        if (!this.connected) {
          await withTimeout(
            (s) => this.collector.connect(s),
            timeoutMs,
            `${this.machine.name} (connect)`,
            this.clock,
            signal,
          );
          this.connected = true;
        }
        if (dueAt !== undefined) {
          const lag = this.clock.monotonic() - dueAt;
          const slept = lag > LATE_POLL_MS && waitMark !== undefined && this.witness?.sleptSince(waitMark);
          if (!slept) this.pollLag?.record(lag);
        }
        dueAt = undefined;
        const result = await withTimeout(
          (s) => this.collector.poll(s),
          timeoutMs,
          this.machine.name,
          this.clock,
          signal,
        );
        this.takeFault(); // what a poll returns after its collector broke is not trusted
        const snapshot = machineSnapshot.parse(result.snapshot);
        try {
          await this.tracker.recordSuccess(snapshot);
          await this.storePoll(result.captures, result.logs ?? []);
        } catch (error) {
          // The machine answered; the store could not keep it. Not a machine failure: the machine
          // stays connected and is polled again (the store's own state says why and what it does).
          // Its position (log offsets, event watermarks) stays where the stored records end, so
          // what was refused is read again once the store takes it.
          if (!(error instanceof StoreError)) throw error;
          this.state.discard();
          this.tracker.storeRefused(error);
        }
        attempt = 0;
      } catch (error) {
        this.state.discard();
        if (signal.aborted) break;
        // Asked now, at the failure, not left to whichever timer fires first: after a SIGCONT every
        // expired timeout fires at once. The machine was not given its time: not a failure, and
        // not downtime; polled again at once on a new connection.
        if (attemptMark !== undefined && this.witness?.sleptSince(attemptMark)) {
          this.logger.debug({ reason: describeError(error) }, 'a poll failed across a sleep of Echo; again');
          this.replaceConnection = true;
          continue;
        }
        await this.recordFailure(error);
        const delay = backoffDelay(attempt++, RECONNECT_INITIAL_MS, RECONNECT_MAX_MS);
        if (!this.replaceConnection)
          await this.wakeup.wait(this.clock, Math.min(delay, this.machine.poll_interval * 1000 * 4), signal);
        continue;
      }
      const jitter = 1 + (Math.random() * 2 - 1) * JITTER;
      const waitMs = this.machine.poll_interval * 1000 * jitter;
      const due = this.clock.monotonic() + waitMs;
      waitMark = this.witness?.mark();
      // A resume that came during the poll polls again now (its poke found no one waiting).
      if (!this.replaceConnection) await this.wakeup.wait(this.clock, waitMs, signal);
      // Woken early (a push collector's news) is not a scheduled poll: no lag to count. (The
      // clock may read just under a fractional due time: 2 ms of tolerance.)
      dueAt = this.clock.monotonic() >= due - 2 ? due : undefined;
    }
  }

  private async recordFailure(error: unknown): Promise<void> {
    const now = this.clock.now();
    if (!(error instanceof CollectorError)) {
      // A collector bug or a payload that fails the snapshot schema: log it with its stack.
      this.logger.warn({ err: error }, 'machine poll failed with an unexpected error');
    }
    this.connected = false;
    await this.closeCollector();
    await this.tracker.recordFailure(error, now);
  }

  /**
   * The poll's captures (those the unchanged filter lets through), its log lines and the
   * collector's new position, stored in one transaction: a crash keeps all or none of them.
   */
  private async storePoll(
    captures: readonly CollectorCapture[],
    lines: readonly MachineLogLine[],
  ): Promise<void> {
    const now = this.clock.now();
    // The unchanged interval is an interval: monotonic, so that a clock step neither stops nor
    // forces captures. `capturedAt` is a timestamp: wall time.
    const since = this.clock.monotonic();
    const kept = captures.filter(
      (capture) =>
        !capture.dedupeKey ||
        this.filter.shouldStore(capture.dedupeKey, capture.significant ?? capture.content, since),
    );
    const machine = this.machine.name;
    await this.sink.ingestPoll({
      captures: kept.map((capture) => ({
        machine,
        captureTypeName: capture.captureTypeName,
        content: capture.content,
        contentType: capture.contentType,
        ...(capture.meta ? { meta: capture.meta } : {}),
        ...(capture.idempotencyKey ? { idempotencyKey: capture.idempotencyKey } : {}),
        capturedAt: now,
      })),
      logs: lines.map((line) => ({ source: 'machine' as const, machine, ...line })),
      state: this.state.staged(),
    });
    this.state.saved();
    for (const capture of kept) if (capture.pastJobs) this.sink.recordPastJobs?.(machine, capture.pastJobs);
    if (kept.length > 0) this.tracker.countCapturesStored(kept.length);
  }

  private async closeCollector(): Promise<void> {
    try {
      await this.collector.close();
    } catch (error) {
      this.logger.debug({ err: error }, 'closing the machine connection failed');
    }
  }
}
