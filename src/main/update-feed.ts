/**
 * Where the desktop app looks for updates: nowhere unless a feed is configured (`ECHO_UPDATE_URL`
 * in the environment of the app, e.g. set by the IT department's deployment, or `update_url` in
 * `update.json` next to the app). Echo never phones home on its own.
 */
export function updateFeed(env: NodeJS.ProcessEnv, fileContent: string | undefined): string | undefined {
  const fromEnv = env.ECHO_UPDATE_URL?.trim();
  let url = fromEnv;
  if (!url && fileContent) {
    const parsed = JSON.parse(fileContent) as { update_url?: unknown };
    if (typeof parsed.update_url === 'string') url = parsed.update_url.trim();
  }
  if (!url) return undefined;
  const feed = new URL(url);
  if (feed.protocol !== 'https:') throw new Error(`the update feed must be https (got ${feed.protocol})`);
  return feed.toString();
}
