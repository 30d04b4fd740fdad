/** Upper bounds (ms) of the poll-lag histogram buckets, as Prometheus `le` labels. */
const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;
const RESERVOIR = 8192;

export interface PollLagSummary {
  count: number;
  sumMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Cumulative counts per bucket upper bound (ms), the last being +Inf. */
  buckets: Array<{ le: number | '+Inf'; count: number }>;
}

/**
 * How late polls start against their schedule, over every machine: the scheduler's health figure
 * (a machine blocking the event loop, or too many machines for the PC, shows here first). A
 * histogram for `/metrics` and a ring of recent samples for exact percentiles.
 */
export class PollLagStats {
  private readonly counts = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  private readonly recent = new Float64Array(RESERVOIR);
  private total = 0;
  private sum = 0;
  private max = 0;

  record(lagMs: number): void {
    const lag = Math.max(0, lagMs);
    let bucket = BUCKETS_MS.findIndex((le) => lag <= le);
    if (bucket < 0) bucket = BUCKETS_MS.length;
    this.counts[bucket]!++;
    this.recent[this.total % RESERVOIR] = lag;
    this.total++;
    this.sum += lag;
    if (lag > this.max) this.max = lag;
  }

  /** Forgets the samples (benchmarks measure a window). */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.max = 0;
  }

  summary(): PollLagSummary {
    const n = Math.min(this.total, RESERVOIR);
    const sorted = Array.from(this.recent.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(q * n))]!);
    let cumulative = 0;
    const buckets: PollLagSummary['buckets'] = this.counts.map((count, i) => {
      cumulative += count;
      return { le: i < BUCKETS_MS.length ? BUCKETS_MS[i]! : '+Inf', count: cumulative };
    });
    return { count: this.total, sumMs: this.sum, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: this.max, buckets };
  }
}
