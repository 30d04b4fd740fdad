import type { Logger } from 'pino';
import { CollectorError } from '../../collectors/sdk/collector-error.ts';
import type { MachineSnapshot } from '../../collectors/sdk/machine-snapshot.ts';
import { describeError, StoreError } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';
import type { CollectionSink } from './collection-sink.ts';

/** What the local API shows of a machine's collection. */
export interface MachineLiveStatus {
  snapshot: MachineSnapshot;
  connected: boolean;
  lastSeenAt: string | undefined;
  lastError: string | undefined;
  failingSince: string | undefined;
  polls: number;
  failures: number;
  capturesStored: number;
  /** Times this machine's code held the event loop (seen while the watchdog was timing callbacks). */
  loopBlocked?: { count: number; longestMs: number; lastAt: string };
  /** Errors that escaped the collector outside a poll (a listener, a timer) and failed the machine. */
  faults?: number;
  /**
   * Records of this machine the store refused (disk full, store unwritable): the machine was read
   * fine, so they are not machine failures. Absent until the first refusal.
   */
  storeRefused?: number;
}

/**
 * A machine's live status (what the local API shows) and its status changes (what the store
 * records for the cloud's `/modeler/`): the outcome of each poll, mapped to a state, counted, and
 * recorded when it differs from the last one recorded. MachineRunner tells it what happened.
 */
export class MachineStatusTracker {
  private lastStatusKey: string | undefined;
  private live: MachineLiveStatus = {
    snapshot: { state: 'unknown', gauges: [], errors: [] },
    connected: false,
    lastSeenAt: undefined,
    lastError: undefined,
    failingSince: undefined,
    polls: 0,
    failures: 0,
    capturesStored: 0,
  };

  constructor(
    private readonly machine: string,
    private readonly sink: CollectionSink,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get current(): MachineLiveStatus {
    return this.live;
  }

  /** An error escaped the collector outside a poll (MachineRunner fails the machine with it). */
  countFault(): void {
    this.live = { ...this.live, faults: (this.live.faults ?? 0) + 1 };
  }

  /** This machine's code held the event loop for `ms` (the loop watchdog saw it). */
  countBlocked(ms: number): void {
    const previous = this.live.loopBlocked;
    this.live = {
      ...this.live,
      loopBlocked: {
        count: (previous?.count ?? 0) + 1,
        longestMs: Math.max(previous?.longestMs ?? 0, Math.round(ms)),
        lastAt: new Date(this.clock.now()).toISOString(),
      },
    };
  }

  /** `count` captures of a poll were stored. */
  countCapturesStored(count: number): void {
    this.live = { ...this.live, capturesStored: this.live.capturesStored + count };
  }

  async recordSuccess(snapshot: MachineSnapshot): Promise<void> {
    const now = this.clock.now();
    this.live = {
      ...this.live,
      snapshot,
      connected: true,
      lastSeenAt: new Date(now).toISOString(),
      lastError: undefined,
      failingSince: undefined,
      polls: this.live.polls + 1,
    };
    this.sink.observeSnapshot?.(this.machine, snapshot, now);
    await this.reportStatus(
      snapshot.state,
      true,
      snapshot.state === 'error' ? (snapshot.errors[0] ?? 'error') : null,
    );
  }

  /** A failed attempt, seen at `now` (wall time, taken when the failure was handled). */
  async recordFailure(error: unknown, now: number): Promise<void> {
    const failure = error instanceof CollectorError ? error.failure : 'protocol';
    const message = describeError(error);
    const state = failure === 'unreachable' || failure === 'timeout' ? 'offline' : 'error';
    this.live = {
      ...this.live,
      snapshot: { state, gauges: [], errors: [message] },
      connected: false,
      lastError: message,
      failingSince: this.live.failingSince ?? new Date(now).toISOString(),
      failures: this.live.failures + 1,
    };
    try {
      await this.reportStatus(state, false, message, failure);
    } catch (refused) {
      if (!(refused instanceof StoreError)) throw refused;
      this.storeRefused(refused);
    }
  }

  /** The store refused what a poll read: counted here, said once per episode by the store. */
  storeRefused(error: StoreError): void {
    this.live = { ...this.live, storeRefused: (this.live.storeRefused ?? 0) + 1 };
    this.logger.debug({ code: error.code }, 'the store refused what this poll read');
  }

  /** Records a status change at once (the sync engine sends it to `/modeler/`). */
  private async reportStatus(
    state: string,
    connected: boolean,
    error: string | null,
    failure?: string,
  ): Promise<void> {
    const key = JSON.stringify([state, connected, error, failure]);
    if (key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    if (!connected) this.logger.warn({ state, error }, 'machine unreachable or failing');
    else this.logger.info({ state }, 'machine state changed');
    try {
      await this.sink.recordMachineStatus({
        machine: this.machine,
        state,
        connected,
        error,
        ...(failure ? { failure } : {}),
      });
    } catch (failure) {
      // Not stored: reported again at the next poll, once the store takes it.
      this.lastStatusKey = undefined;
      throw failure;
    }
  }
}
