import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import { type PastJob, resultFromWord } from '../sdk/past-job.ts';
import type { AnalysisDetail, AnalysisSummary, HUB_STATES, HubStatus } from './assumed-api.ts';

const STATES: Record<(typeof HUB_STATES)[number], MachineSnapshot['state']> = {
  idle: 'idle',
  // The hub at work on a build: Echo's "busy" state.
  analysing: 'printing',
  error: 'error',
};

export function toSnapshot(status: HubStatus): { snapshot: MachineSnapshot; unknownState?: string } {
  const word = (status.state ?? '').toLowerCase();
  // Own entries only (lookup): a state word must never find what every object inherits.
  const mapped = lookup(STATES, word);
  const known = mapped !== undefined;
  return {
    snapshot: {
      state: mapped ?? 'unknown',
      gauges: [
        { name: 'printers_monitored', value: status.printers?.length ?? 0, unit: 'printers' },
        ...(status.active_analyses != null
          ? [{ name: 'analyses_running', value: status.active_analyses, unit: 'analyses' }]
          : []),
      ],
      errors: (status.errors ?? []).map((e) => e.slice(0, 300)),
      ...(status.hub?.version ? { firmware: status.hub.version } : {}),
      ...(status.hub?.serial ? { serialNumber: status.hub.serial } : {}),
    },
    ...(!known && word !== '' ? { unknownState: status.state! } : {}),
  };
}

/**
 * The watermark of an analysis: its end time (UTC, fixed width) and id, so that string order is
 * time order and two analyses ending in the same millisecond are still told apart.
 */
export function analysisReference(analysis: Pick<AnalysisSummary, 'id' | 'end_time'>): string {
  return `${new Date(analysis.end_time).toISOString()}#${analysis.id}`;
}

export function parseReference(reference: string): { endTime: string; id: string } | undefined {
  // ISO dates are 24 characters, or 27 for a year outside 0000-9999 (`+010000-…`), which a hub
  // may send: its watermark must read back, or that hub's history would stop for good.
  const hash = reference.indexOf('#');
  if (hash !== 24 && hash !== 27) return undefined;
  const endTime = reference.slice(0, hash);
  if (!/^([+-]\d{6}|\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(endTime)) return undefined;
  return { endTime, id: reference.slice(hash + 1) };
}

/** The analysis as a past job of the hub (the machine screen's job history). */
export function toPastJob(analysis: AnalysisSummary & Partial<AnalysisDetail>): PastJob {
  const result = resultFromWord(analysis.status ?? undefined);
  const printer = analysis.printer?.name ?? analysis.printer?.id;
  const build = analysis.build_name ?? `analysis ${analysis.id}`;
  return {
    id: analysis.id,
    name: printer ? `${printer}: ${build}` : build,
    endedAt: new Date(analysis.end_time).toISOString(),
    ...(analysis.start_time ? { startedAt: new Date(analysis.start_time).toISOString() } : {}),
    ...(result ? { result } : {}),
  };
}

/** What the capture's `meta` says of an analysis (the cloud's analysis fields). */
export function analysisMeta(analysis: AnalysisSummary & Partial<AnalysisDetail>): Record<string, unknown> {
  const anomalies = analysis.anomalies ?? [];
  return {
    source: 'addiguru-rest-assumed',
    addiguru_id: analysis.id,
    printer: analysis.printer?.name ?? analysis.printer?.id ?? null,
    status: analysis.status ?? null,
    start_time: analysis.start_time ?? null,
    end_time: analysis.end_time,
    layer_count: analysis.layer_count ?? analysis.indicators?.length ?? null,
    anomalies: anomalies.filter((a) => a.is_anomaly).length,
    defects: anomalies.filter((a) => a.is_defect).length,
    total_anomalies: anomalies.length,
  };
}
