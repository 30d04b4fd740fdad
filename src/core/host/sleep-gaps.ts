import type { Logger } from 'pino';
import { z } from 'zod';
import { StoreError } from '../../shared/errors.ts';
import type { StoreStats } from '../store/store-stats.ts';
import type { SleepGap } from './host-clock-monitor.ts';

const KEY = 'host.asleep_gaps';
const KEPT = 20;

/** A sleep as the local API shows it (`AgentStatus.asleep`: every machine's history on its screen). */
export interface SleepGapView {
  from: string;
  to: string;
  seconds: number;
  kind: SleepGap['kind'];
}

const storedGaps = z.array(
  z.object({
    from: z.string(),
    to: z.string(),
    seconds: z.number(),
    kind: z.enum(['paused', 'suspended']),
  }),
);

/**
 * The last sleeps of Echo, for every machine's history ("Echo was asleep", not machine downtime).
 * A bounded list in the store's kv table, not a table of its own: at most 20 short entries, a
 * display aid that is never sent, and the same for every machine (Echo slept, not one machine).
 * Kept in the store so that a restart (a settings change restarts the core) does not forget it;
 * a store that cannot write (full disk) keeps it in memory only.
 */
export class SleepGapLog {
  private gaps: SleepGapView[];

  constructor(
    private readonly stats: Pick<StoreStats, 'getValue' | 'setValue'>,
    private readonly logger: Logger,
  ) {
    this.gaps = this.load();
  }

  add(gap: SleepGap): void {
    const view: SleepGapView = {
      from: new Date(gap.from).toISOString(),
      to: new Date(gap.to).toISOString(),
      seconds: Math.round(gap.ms / 1000),
      kind: gap.kind,
    };
    this.gaps = [...this.gaps, view].slice(-KEPT);
    try {
      this.stats.setValue(KEY, JSON.stringify(this.gaps));
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.logger.debug({ code: error.code }, 'the sleep could not be kept in the store; kept in memory');
    }
  }

  /** Newest first. */
  recent(): SleepGapView[] {
    return [...this.gaps].reverse();
  }

  private load(): SleepGapView[] {
    try {
      const text = this.stats.getValue(KEY);
      if (text === undefined) return [];
      const parsed = storedGaps.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.slice(-KEPT) : [];
    } catch (error) {
      // Unreadable (a store in trouble, a value that is not JSON): the list starts empty.
      this.logger.debug({ err: error }, 'the list of past sleeps could not be read');
      return [];
    }
  }
}
