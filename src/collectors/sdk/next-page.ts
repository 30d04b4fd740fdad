/** A page's `next`: the URL to follow, or the link refused (for the log). */
export type NextPage = { url: string } | { refused: string };

/**
 * The `next` link of a vendor's paged list, as a URL Echo may follow with the account's
 * credentials: resolved against the API URL and only on its origin (scheme, host and port). A
 * `next` pointing elsewhere would hand the bearer token or the Basic credentials to whoever wrote
 * it, so it is refused (`refused`, for the log), never followed. No link, an empty one: undefined.
 */
export function nextPageUrl(next: string | null | undefined, apiUrl: string): NextPage | undefined {
  if (!next) return undefined;
  const base = new URL(`${apiUrl.replace(/\/+$/, '')}/`);
  const url = URL.canParse(next, base) ? new URL(next, base) : undefined;
  if (!url || url.origin !== base.origin) return { refused: next.slice(0, 200) };
  return { url: url.toString() };
}
