/** Pages asked at most of one list: the cap stops a cloud whose `total_count` never comes true. */
export const MAX_PAGES = 100;

/**
 * Whether a list read with `page[offset]`/`page[limit]` goes on after a page, `read` being how
 * many entries were read so far (this page's included): while `total_count` says more when the
 * cloud gives it (a server may cap `page[limit]`, so a short page is not the end), else while
 * pages come full. An empty page always ends it.
 */
export function hasMorePages(
  read: number,
  page: { resources: readonly unknown[]; total_count?: number | undefined },
  limit: number,
): boolean {
  if (page.resources.length === 0) return false;
  return page.total_count === undefined ? page.resources.length >= limit : read < page.total_count;
}
