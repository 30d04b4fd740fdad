import type { CaptureTypeName } from '../../shared/model/capture-types.ts';
import type { CollectorCapture, HistoricJob, HistoryPage } from './collector.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';
import type { PastJob } from './past-job.ts';
import type { AccountView } from './vendor-account.ts';

/**
 * The captures of a vendor-cloud machine (Formlabs, Markforged, Carbon): its status capture, built
 * from its entry in the account's list, and its finished jobs, read from the vendor's job history.
 * The vendors differ in their fields only (their `map.ts`); the shape of the captures is one.
 */

/** How a vendor's entry becomes its status capture: the parts that differ between vendors. */
export interface StatusCaptureSpec<M> {
  captureTypeName: CaptureTypeName;
  /** The vendor's document of the entry, the whole content (fields Echo does not map included). */
  document(item: M): unknown;
  /** The vendor's meta (serial, source, its device id); the read time and a pause are added. */
  meta(item: M): Record<string, unknown>;
  /** What counts as a change for deduplication: the snapshot fields that matter for this vendor. */
  significant(snapshot: MachineSnapshot): unknown[];
}

/** The status capture of one entry, from the snapshot already mapped from it (mapped once per poll). */
export function statusCapture<M, T>(
  spec: StatusCaptureSpec<M>,
  item: M,
  snapshot: MachineSnapshot,
  view: AccountView<T>,
): CollectorCapture {
  return {
    captureTypeName: spec.captureTypeName,
    content: JSON.stringify(spec.document(item)),
    contentType: 'application/json',
    meta: {
      ...spec.meta(item),
      read_at: view.readAt,
      ...(view.rateLimitedUntil ? { rate_limited_until: view.rateLimitedUntil } : {}),
    },
    dedupeKey: 'status',
    significant: JSON.stringify(spec.significant(snapshot)),
  };
}

/** A job of a vendor's history, as its `map.ts` reads the vendor's record. */
export interface FinishedJobFields {
  /** The vendor's job id: the job id in Echo's job history, and the tail of the reference. */
  id: string;
  name: string;
  startedAt?: string | null;
  /** When the job ended; without a readable time the job has not ended (it waits for a later run). */
  endedAt: string | null | undefined;
  /** How it ended; undefined when it has not ended (it waits for a later run). */
  result: PastJob['result'];
  captureTypeName: CaptureTypeName;
  /** The vendor's record, sent whole as the capture's content. */
  record: unknown;
  meta: Record<string, unknown>;
}

/** A history reference that sorts like time: `<end time, ISO UTC>#<job id>`; undefined without a readable end. */
export function jobReference(endedAt: string | null | undefined, id: string): string | undefined {
  const at = endedAt ? Date.parse(endedAt) : Number.NaN;
  return Number.isFinite(at) ? `${new Date(at).toISOString()}#${id}` : undefined;
}

/**
 * One finished job as a historic capture (its record, marked with its reference) that also feeds
 * the machine screen's job history; undefined while the job has not ended.
 */
export function finishedJob(job: FinishedJobFields): HistoricJob | undefined {
  const reference = jobReference(job.endedAt, job.id);
  if (job.result === undefined || reference === undefined) return undefined;
  const started = job.startedAt ? Date.parse(job.startedAt) : Number.NaN;
  return {
    reference,
    captureTypeName: job.captureTypeName,
    content: JSON.stringify(job.record),
    contentType: 'application/json',
    meta: job.meta,
    pastJobs: [
      {
        id: job.id,
        name: job.name,
        ...(Number.isFinite(started) ? { startedAt: new Date(started).toISOString() } : {}),
        endedAt: reference.split('#')[0]!,
        result: job.result,
      },
    ],
  };
}

/** Finished jobs read from a vendor as one history page: newer than `after`, each once, oldest first, at most `limit`. */
export function historyPageAfter(jobs: HistoricJob[], after: string | undefined, limit: number): HistoryPage {
  const byReference = new Map<string, HistoricJob>();
  for (const job of jobs) {
    if (after === undefined || job.reference > after) byReference.set(job.reference, job);
  }
  const newer = [...byReference.values()].sort((a, b) =>
    a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0,
  );
  return { jobs: newer.slice(0, limit), more: newer.length > limit };
}
