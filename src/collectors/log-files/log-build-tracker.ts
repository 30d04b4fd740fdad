import { z } from 'zod';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { JobEvent } from './parsers/format.ts';

const trackedJob = z.object({
  state: z.enum(['unknown', 'idle', 'printing', 'error']),
  job: z.string().optional(),
  layer: z.number().optional(),
  layers: z.number().optional(),
  startedAt: z.string().optional(),
  lastError: z.string().optional(),
});

export type TrackedJob = z.infer<typeof trackedJob>;

/**
 * A build's identity for the job history: a log has no job ids, but a build's name and start
 * time are one build (the live snapshot and the finished record then meet in one row).
 */
export function buildId(name: string, startedAt: string): string {
  return `${name}@${startedAt}`;
}

/** A finished build, as the historic capture sends it. */
export interface FinishedBuild {
  build: string;
  started_at: string | null;
  finished_at: string | null;
  layers: number | null;
  result: 'completed' | 'aborted' | 'failed';
}

/**
 * The machine's state as its log tells it: a job starts, counts layers, and finishes, is aborted
 * or fails. Kept in the collector state (JSON) so a restart remembers a build in progress.
 */
export class LogBuildTracker {
  private current: TrackedJob;

  constructor(saved: string | undefined) {
    const parsed = saved ? trackedJob.safeParse(JSON.parse(saved)) : undefined;
    this.current = parsed?.success ? parsed.data : { state: 'unknown' };
  }

  /** Applies a job marker; returns the build when one ended. */
  apply(event: JobEvent, timestamp: string | undefined, message: string): FinishedBuild | undefined {
    const c = this.current;
    switch (event.kind) {
      case 'job_started':
        this.current = {
          state: 'printing',
          ...(event.job ? { job: event.job } : {}),
          ...(event.layers ? { layers: event.layers } : {}),
          layer: 0,
          ...(timestamp ? { startedAt: timestamp } : {}),
        };
        return undefined;
      case 'layer':
        // Layers mean a build is running, even if its start was before Echo began reading.
        this.current = {
          ...c,
          state: 'printing',
          job: c.state === 'printing' ? (c.job ?? 'unnamed build') : 'unnamed build',
          ...(event.layer !== undefined ? { layer: event.layer } : {}),
          ...((event.layers ?? c.layers) !== undefined ? { layers: event.layers ?? c.layers } : {}),
        };
        return undefined;
      default: {
        const result =
          event.kind === 'job_finished' ? 'completed' : event.kind === 'job_aborted' ? 'aborted' : 'failed';
        this.current = result === 'failed' ? { state: 'error', lastError: message } : { state: 'idle' };
        if (!c.job) return undefined;
        return {
          build: c.job,
          started_at: c.startedAt ?? null,
          finished_at: timestamp ?? null,
          layers: c.layers ?? null,
          result,
        };
      }
    }
  }

  save(): string {
    return JSON.stringify(this.current);
  }

  snapshot(): MachineSnapshot {
    const c = this.current;
    const progress =
      c.layer !== undefined && c.layers ? Math.min(100, (c.layer / c.layers) * 100) : undefined;
    return {
      state: c.state,
      ...(c.state === 'printing' && c.job
        ? {
            job: {
              name: c.job,
              ...(c.startedAt ? { id: buildId(c.job, c.startedAt) } : {}),
              ...(progress !== undefined ? { progress } : {}),
              ...(c.layer !== undefined ? { layer: c.layer } : {}),
              ...(c.layers !== undefined ? { layers: c.layers } : {}),
              ...(c.startedAt
                ? { elapsedSeconds: Math.max(0, Math.round((Date.now() - Date.parse(c.startedAt)) / 1000)) }
                : {}),
            },
          }
        : {}),
      gauges: [],
      errors: c.state === 'error' && c.lastError ? [c.lastError] : [],
    };
  }
}
