/**
 * The printer's history as its local API serves it: `GET /history/events` and
 * `GET /history/print_jobs`, both paged with `offset` and `count`, in either order (which end
 * offset 0 is, is an option: the sources Echo has do not say), times written as the printer's
 * local time without a zone.
 */
export type ListOrder = 'oldest-first' | 'newest-first';

export interface HistoryEvent {
  time: string;
  type_id: number;
  message: string;
  parameters: string[];
}

export interface FinishedJob {
  uuid: string;
  name: string;
  datetime_started: string;
  datetime_finished: string;
  datetime_cleaned: string | null;
  result: 'Finished' | 'Aborted' | 'Failed';
  source: string;
  reprint_original_uuid: string | null;
  time_elapsed: number;
  time_estimated: number;
  time_total: number;
}

/** `2024-05-02T14:03:11.123456`: local time, no zone (as the printer writes it). */
export function localTime(at: number): string {
  const d = new Date(at);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

export class PrinterHistory {
  /** Oldest first, as they happened. */
  readonly events: HistoryEvent[] = [];
  /** Oldest first, as they ended. */
  readonly jobs: FinishedJob[] = [];
  /** `GET /history/print_jobs` requests served. */
  jobRequests = 0;
  private lastEventAt = 0;

  constructor(
    private readonly order: { events: ListOrder; jobs: ListOrder; maxEvents: number; maxJobs: number },
  ) {}

  event(typeId: number, message: string): void {
    // Distinct times for events in the same millisecond (the list is ordered by time).
    const at = Math.max(Date.now(), this.lastEventAt + 1);
    this.lastEventAt = at;
    this.events.push({ time: localTime(at), type_id: typeId, message, parameters: [] });
    if (this.events.length > this.order.maxEvents) this.events.shift();
  }

  finished(
    job: Omit<FinishedJob, 'datetime_finished' | 'datetime_cleaned' | 'source' | 'reprint_original_uuid'>,
  ): void {
    this.jobs.push({
      ...job,
      datetime_finished: localTime(Date.now()),
      datetime_cleaned: null,
      source: 'WEB_API',
      reprint_original_uuid: null,
    });
    if (this.jobs.length > this.order.maxJobs) this.jobs.shift();
  }

  /** The answer to a GET under `/api/v1/history/`, or undefined for another path. */
  route(path: string, query: URLSearchParams): [number, unknown] | undefined {
    if (path === '/api/v1/history/events') return [200, page(this.events, this.order.events, query)];
    if (path === '/api/v1/history/print_jobs') {
      this.jobRequests++;
      return [200, page(this.jobs, this.order.jobs, query)];
    }
    return undefined;
  }
}

function page<T>(list: readonly T[], order: ListOrder, query: URLSearchParams): T[] {
  const offset = Math.max(0, Number.parseInt(query.get('offset') ?? '0', 10) || 0);
  const count = Math.min(100, Math.max(0, Number.parseInt(query.get('count') ?? '50', 10) || 50));
  const ordered = order === 'oldest-first' ? list : [...list].reverse();
  return ordered.slice(offset, offset + count);
}
