import { CloudReplyError } from '../../shared/errors.ts';

/** Pages asked at most of one list: the cap stops a cloud whose `total_count` never comes true. */
export const MAX_PAGES = 100;

/**
 * Whether a list read with `page[offset]`/`page[limit]` goes on after a page, `read` being how
 * many entries were read so far (this page's included): while `total_count` says more when the
 * cloud gives it (a server may cap `page[limit]`, so a short page is not the end), else while
 * pages come full. An empty page always ends it.
 */
function hasMorePages(
  read: number,
  page: { resources: readonly unknown[]; total_count?: number | undefined },
  limit: number,
): boolean {
  if (page.resources.length === 0) return false;
  return page.total_count === undefined ? page.resources.length >= limit : read < page.total_count;
}

/** One page of a cloud list, as `listReply` reads it. */
export interface ListPage<T> {
  resources: T[];
  total_count?: number | undefined;
}

/** A list read to its end (`complete`), or cut by `MAX_PAGES` (the entries read until then). */
export interface ReadPages<T> {
  entries: T[];
  complete: boolean;
}

/**
 * Reads a list page after page by the rule above: `page[offset]` the entries read before the
 * page, `page[limit]` `limit` (100 by default), at most `MAX_PAGES` pages. `readPage` builds and sends
 * one request (filters, gate) and throws when it fails: a failed page fails the read. With `key`
 * (an entry's URI), an entry already read is not kept twice, and a page that brings none not read
 * before ends the read: a cloud that ignores `page[offset]` answers its first page again and again,
 * and would otherwise cost `MAX_PAGES` requests (what it lists is then all it gives). `stop` ends
 * the read early after a page, for a caller with a rule of its own. A list the cap cuts comes back
 * with `complete: false`: the caller says so and decides whether a part of the list may stand for it.
 */
export async function readPages<T>(
  readPage: (page: { offset: number; limit: number }) => Promise<ListPage<T>>,
  options: { limit?: number; key?: (entry: T) => string; stop?: (page: ListPage<T>) => boolean } = {},
): Promise<ReadPages<T>> {
  const limit = options.limit ?? 100;
  const entries: T[] = [];
  const seen = new Set<string>();
  let read = 0;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await readPage({ offset: read, limit });
    read += page.resources.length;
    let added = 0;
    for (const entry of page.resources) {
      const key = options.key?.(entry);
      if (key !== undefined) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      entries.push(entry);
      added++;
    }
    const repeated = options.key !== undefined && page.resources.length > 0 && added === 0;
    if (repeated || !hasMorePages(read, page, limit) || options.stop?.(page)) {
      return { entries, complete: true };
    }
  }
  return { entries, complete: false };
}

/**
 * The error of a list the cap cut, for a reader that does not let a part stand for the whole: the
 * cloud's list never ended as the contract says it does (`total_count`, or a short page).
 */
export function listDidNotEnd(what: string): CloudReplyError {
  return new CloudReplyError(
    `the cloud's ${what} did not end within ${MAX_PAGES} pages: it is not read as a whole`,
  );
}
