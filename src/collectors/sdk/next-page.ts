/** A page's `next`: the URL to follow, the link refused, or a page already read (for the log). */
export type NextPage = { url: string } | { refused: string } | { repeated: string };

/**
 * The `next` link of a vendor's paged list, as a URL Echo may follow with the account's
 * credentials: resolved against the API URL and only on its origin (scheme, host and port). A
 * `next` pointing elsewhere would hand the bearer token or the Basic credentials to whoever wrote
 * it, so it is refused (`refused`, for the log), never followed. With `seen` (the URLs read so far,
 * the first page's included), a `next` back to a page already read ends the walk (`repeated`): a
 * list whose links loop would otherwise spend the account's rate limit on the same page until the
 * page cap. No link, an empty one: undefined.
 */
export function nextPageUrl(
  next: string | null | undefined,
  apiUrl: string,
  seen?: Set<string>,
): NextPage | undefined {
  if (!next) return undefined;
  const base = new URL(`${apiUrl.replace(/\/+$/, '')}/`);
  const url = URL.canParse(next, base) ? new URL(next, base) : undefined;
  if (!url || url.origin !== base.origin) return { refused: next.slice(0, 200) };
  const href = url.toString();
  if (seen) {
    if (seen.has(href)) return { repeated: href.slice(0, 200) };
    seen.add(href);
  }
  return { url: href };
}
