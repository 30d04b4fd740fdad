import type { Store } from '../store/store.ts';

export type Health = 'healthy' | 'degraded' | 'unknown';

export interface HealthAssessment {
  health: Health;
  /** Why it is not healthy, in words for the status page. */
  reasons: string[];
}

const GROWTH_SAMPLES = 3;
const NEAR_CAP = 0.9;
const RECENT_QUARANTINE_MS = 3600_000;

/**
 * An honest health: `degraded` while the capture backlog keeps growing or passes its threshold,
 * while the store is near its cap, after a recent quarantine, or while a machine has been failing
 * for longer than the configured minutes.
 */
export class HealthAssessor {
  private samples: number[] = [];

  constructor(
    private readonly store: Store,
    private readonly options: { backlogDegradedRecords: number; machineFailingMs: number; now: () => number },
  ) {}

  assess(): HealthAssessment {
    const reasons: string[] = [];
    const condition = this.store.conditionReport;
    if (condition.state !== 'ok') reasons.push(condition.message ?? condition.state);
    const backlog = this.store.stats.captureBacklog();
    this.samples = [...this.samples, backlog].slice(-GROWTH_SAMPLES);
    if (backlog >= this.options.backlogDegradedRecords) reasons.push(`capture backlog of ${backlog} records`);
    else if (
      this.samples.length === GROWTH_SAMPLES &&
      this.samples.every((value, i) => i === 0 || value > this.samples[i - 1]!)
    ) {
      reasons.push(`capture backlog growing (${this.samples.join(' → ')})`);
    }
    const used = this.store.usedBytes() / this.store.maxSizeBytes;
    if (used >= NEAR_CAP) reasons.push(`store at ${Math.round(used * 100)} % of its cap`);
    const now = this.options.now();
    for (const status of this.store.status.latest()) {
      if (!status.connected && now - status.observedAt >= this.options.machineFailingMs) {
        reasons.push(
          `machine "${status.machine}" failing for ${Math.round((now - status.observedAt) / 60_000)} min`,
        );
      }
    }
    const quarantine = this.store.stats
      .activeAlerts()
      .find((a) => a.kind === 'store_quarantine' && now - Date.parse(a.createdAt) < RECENT_QUARANTINE_MS);
    if (quarantine) reasons.push('the local database was quarantined recently');
    return { health: reasons.length > 0 ? 'degraded' : 'healthy', reasons };
  }
}
