/**
 * The printer's history lists (`/history/events`, `/history/print_jobs`) are read with `offset`
 * and `count`. Which end offset 0 is (the oldest or the newest entry) is not documented in the
 * sources Echo has, so the reader finds out from the entries' keys (sortable like time): keys that
 * fall along a page mean offset 0 is the newest, and reading stops at the first entry at or before
 * the watermark; keys that rise mean offset 0 is the oldest, and reading goes on to the end (from
 * `hint`, the offset of the last page read before, so a long list is not read again each time).
 */
export interface PagedRead<T> {
  /** Entries whose key is greater than `after`, oldest first. */
  entries: T[];
  /** For an oldest-first list: where the next read may start. */
  hint: number;
  /** The read stopped at `maxEntries` before the end of what is newer. */
  truncated: boolean;
}

export async function readAfter<T>(options: {
  read: (offset: number, count: number) => Promise<T[]>;
  /** Sortable like time; undefined for an entry Echo cannot place (left out). */
  key: (entry: T) => string | undefined;
  after: string | undefined;
  pageSize: number;
  maxEntries: number;
  hint?: number;
}): Promise<PagedRead<T>> {
  const { read, key, after, pageSize, maxEntries } = options;
  let offset = Math.max(0, options.hint ?? 0);
  let page = await read(offset, pageSize);
  const firstKey = page.map(key).find((k) => k !== undefined);
  // The hint no longer fits (the printer dropped old entries, or the list is shorter): from 0.
  if (
    offset > 0 &&
    (page.length === 0 || firstKey === undefined || (after !== undefined && firstKey > after))
  ) {
    offset = 0;
    page = await read(0, pageSize);
  }
  const found: T[] = [];
  let order: 'newest-first' | 'oldest-first' | undefined;
  let previous: string | undefined;
  let truncated = false;
  let lastOffset = offset;
  for (;;) {
    let reachedOld = false;
    for (const entry of page) {
      const k = key(entry);
      if (k === undefined) continue;
      if (previous !== undefined && order === undefined && k !== previous) {
        order = k < previous ? 'newest-first' : 'oldest-first';
      }
      previous = k;
      if (after === undefined || k > after) found.push(entry);
      else if (order === 'newest-first') reachedOld = true;
    }
    if (found.length >= maxEntries) {
      truncated = true;
      break;
    }
    if (page.length < pageSize || reachedOld) break;
    lastOffset = offset;
    offset += page.length;
    page = await read(offset, pageSize);
    if (page.length === 0) break;
    lastOffset = offset;
  }
  const sorted = found
    .map((entry) => ({ entry, k: key(entry)! }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((e) => e.entry);
  return { entries: sorted, hint: order === 'oldest-first' ? lastOffset : 0, truncated };
}
