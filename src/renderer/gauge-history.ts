import type { MachineView } from './dashboard.ts';

const KEEP_SECONDS = 15 * 60;

/**
 * The gauges of every machine over time, gathered from the event stream since the UI opened
 * (the agent keeps no time series; the cloud does): the last 15 minutes per machine.
 */
export class GaugeHistory {
  private readonly series = new Map<string, { times: number[]; values: Map<string, Array<number | null>> }>();

  add(machines: readonly MachineView[], now = Date.now() / 1000): void {
    for (const machine of machines) {
      const gauges = machine.live?.snapshot.gauges ?? [];
      let entry = this.series.get(machine.name);
      if (!entry) {
        entry = { times: [], values: new Map() };
        this.series.set(machine.name, entry);
      }
      entry.times.push(now);
      for (const g of gauges) {
        const key = `${g.name} (${g.unit})`;
        if (!entry.values.has(key))
          entry.values.set(key, new Array<number | null>(entry.times.length - 1).fill(null));
      }
      for (const [key, list] of entry.values) {
        const gauge = gauges.find((g) => `${g.name} (${g.unit})` === key);
        list.push(gauge ? gauge.value : null);
      }
      while (entry.times.length > 0 && entry.times[0]! < now - KEEP_SECONDS) {
        entry.times.shift();
        for (const list of entry.values.values()) list.shift();
      }
    }
  }

  /** uPlot's data layout: the times, then one array per gauge; with the gauges' labels. */
  of(machine: string): { labels: string[]; data: Array<Array<number | null>> } | undefined {
    const entry = this.series.get(machine);
    if (!entry || entry.times.length === 0) return undefined;
    return { labels: [...entry.values.keys()], data: [entry.times, ...entry.values.values()] };
  }
}
