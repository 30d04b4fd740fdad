import { createHash } from 'node:crypto';
import type { CollectorState, HistoricJob } from '../sdk/collector.ts';
import { type PastJob, resultFromWord } from '../sdk/past-job.ts';
import { jobOf } from './map.ts';
import { type Fields, numberOf, parseStatusFile, type StatusFile } from './status-file.ts';

/**
 * The job history of a printer that keeps one past job: `machineStatus(previousJob)` in
 * `status.sts`. Each poll notes a previous job it has not seen in a journal (the collector's
 * durable state, saved with the poll), so that the jobs ending between two history runs are all
 * collected; `readHistory` serves the journal after the watermark.
 *
 * A job's reference is `<start time, UTC ISO>#<job id>`: the printer builds one job at a time, so
 * start order is end order. A previous job without a start time gets the time Echo first saw it
 * (kept in the journal, so it never changes).
 */

const JOURNAL_KEY = 'catex.jobs.journal';
/** Jobs the journal keeps (the newest); history runs at least daily read them long before. */
export const JOURNAL_SIZE = 200;
/** The raw record kept per job; a longer one is cut (and marked) in the journal. */
const RECORD_CHARS = 8192;
/** Epoch seconds Echo believes: 2000-01-01 to 2100-01-01 (a 0 or garbage is no time). */
const SANE = { from: 946_684_800, to: 4_102_444_800 };

export interface JournalEntry {
  /** What tells two previous jobs apart: id, name, submit and start time. */
  key: string;
  reference: string;
  /** `set machineStatus(previousJob) {...}` as the printer wrote it. */
  record: string;
  /** When Echo first saw it as the previous job (ISO). */
  seenAt: string;
}

function epoch(value: string | undefined): number | undefined {
  const n = numberOf(value);
  return n !== undefined && n >= SANE.from && n < SANE.to ? n : undefined;
}

function keyOf(job: Fields): string {
  return JSON.stringify([job.jobId ?? '', job.jobName ?? '', job.submitTime ?? '', job.startTime ?? '']);
}

/** The id part of a reference: a numeric id padded so that it sorts; else a short hash. */
function idPart(job: Fields, key: string): string {
  const id = (job.jobId ?? '').trim();
  if (/^\d{1,12}$/.test(id)) return id.padStart(12, '0');
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** The reference of a previous job with a start time; undefined without one. */
export function referenceOf(job: Fields): string | undefined {
  const start = epoch(job.startTime);
  return start === undefined
    ? undefined
    : `${new Date(start * 1000).toISOString()}#${idPart(job, keyOf(job))}`;
}

export function readJournal(state: CollectorState): JournalEntry[] {
  const raw = state.get(JOURNAL_KEY);
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as JournalEntry[]) : [];
  } catch {
    return [];
  }
}

/**
 * Notes the file's previous job when it is new; returns whether the journal changed. Its
 * reference is the start time; without one, or when that would not sort after the newest job
 * already noted (a clock set back, a job without start time before it), the time Echo saw it.
 * Once noted, a reference never changes.
 */
export function noteJob(state: CollectorState, file: StatusFile, now: number): boolean {
  const job = jobOf(file.sections.previousJob);
  if (!job) return false;
  const key = keyOf(job);
  const journal = readJournal(state);
  if (journal.some((e) => e.key === key)) return false;
  const newest = journal.at(-1)?.reference ?? '';
  const seenAt = new Date(now).toISOString();
  const natural = referenceOf(job);
  const observed = `${seenAt}#${idPart(job, key)}`;
  const reference = natural !== undefined && natural > newest ? natural : observed;
  if (reference <= newest) return false; // the PC's clock went back: noted once it is past
  const record = file.records.previousJob ?? '';
  journal.push({
    key,
    reference,
    record: record.length > RECORD_CHARS ? `${record.slice(0, RECORD_CHARS)} …[cut]` : record,
    seenAt,
  });
  state.set(JOURNAL_KEY, JSON.stringify(journal.slice(-JOURNAL_SIZE)));
  return true;
}

/** The journal's jobs after `after`, oldest first, at most `limit`. */
export function jobsAfter(state: CollectorState, after: string | undefined, limit: number) {
  const newer = readJournal(state).filter((e) => after === undefined || e.reference > after);
  return { entries: newer.slice(0, Math.max(1, limit)), more: newer.length > limit };
}

/** A journal entry as Echo's local job history sees it. */
export function pastJobOf(entry: JournalEntry): PastJob | undefined {
  const job = jobOf(parseStatusFile(entry.record).sections.previousJob);
  if (!job) return undefined;
  const start = epoch(job.startTime);
  const built = numberOf(job.buildTime) ?? numberOf(job.elapsedBuildTime);
  const end = epoch(job.endTime);
  const endedAt =
    end !== undefined
      ? new Date(end * 1000)
      : start !== undefined && built !== undefined && built >= 0
        ? new Date((start + built) * 1000)
        : new Date(entry.seenAt);
  const result = resultFromWord(job.completionStatus);
  return {
    ...(job.jobId?.trim() ? { id: job.jobId.trim() } : {}),
    name: job.jobName!.trim(),
    ...(start !== undefined ? { startedAt: new Date(start * 1000).toISOString() } : {}),
    endedAt: endedAt.toISOString(),
    ...(result ? { result } : {}),
  };
}

/** One `catex.modeler.jobs` capture per past job. */
export function historicJobOf(entry: JournalEntry): HistoricJob {
  const past = pastJobOf(entry);
  return {
    reference: entry.reference,
    captureTypeName: 'catex.modeler.jobs',
    content: entry.record,
    contentType: 'text/plain',
    jobCount: 1,
    ...(past ? { pastJobs: [past] } : {}),
    meta: {
      source: 'catalystex-status-sts',
      section: 'previousJob',
      job_id: past?.id ?? null,
      job_name: past?.name ?? null,
      seen_at: entry.seenAt,
    },
  };
}
