/**
 * Whether NO_PROXY exempts a host, with the rules undici's EnvHttpProxyAgent applies when it
 * routes (comma or space separated; `example.com` and `.example.com` cover the host and its
 * subdomains; `host:port` only that port; `*` everything). Echo routes with undici; this is only
 * so that `status` and the network check can say which route a URL takes.
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const value = noProxy.trim();
  if (value === '') return false;
  if (value === '*') return true;
  const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(url.port, 10) || (url.protocol === 'https:' ? 443 : 80);
  for (const raw of value.split(/[,\s]/)) {
    if (!raw) continue;
    const withPort = /^(.+):(\d+)$/.exec(raw);
    const host = (withPort ? withPort[1]! : raw).replace(/^\*?\./, '').toLowerCase();
    const entryPort = withPort ? Number.parseInt(withPort[2]!, 10) : 0;
    if (entryPort && entryPort !== port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return true;
  }
  return false;
}

/** The proxy variables, lower case first as curl and undici read them. */
export function environmentProxy(env: NodeJS.ProcessEnv): {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: string;
} {
  const httpProxy = env.http_proxy || env.HTTP_PROXY || undefined;
  const httpsProxy = env.https_proxy || env.HTTPS_PROXY || httpProxy;
  return { httpProxy, httpsProxy, noProxy: env.no_proxy ?? env.NO_PROXY ?? '' };
}

/** A proxy URL fit for logs and `status`: no user, no password. */
export function redactProxy(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(an unreadable proxy URL)';
  }
}
