/** A minute of the agent's counters, from the status events, to say how fast records leave. */
const WINDOW_MS = 60_000;

export class SyncRate {
  private samples: Array<{ at: number; counters: Record<string, number> }> = [];

  add(at: number, counters: Record<string, number>): void {
    this.samples.push({ at, counters });
    // Keep one sample at or before the window's start, so a full minute can be measured.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - WINDOW_MS) this.samples.shift();
  }

  /** Per minute over the last minute (or the time watched so far, from 5 s on); undefined before. */
  perMinute(counter: string): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 5000) return undefined;
    const sent = (last.counters[counter] ?? 0) - (first.counters[counter] ?? 0);
    return Math.max(0, sent) / ((last.at - first.at) / 60_000);
  }
}
