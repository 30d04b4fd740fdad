import type { Logger } from 'pino';
import { type Dispatcher, fetch } from 'undici';
import type { NetworkCheck, ProbeResult } from '../../../shared/api/wire-network.ts';
import { certificateIssuer } from './certificate-probe.ts';
import type { CloudNetwork } from './cloud-network.ts';
import { isUntrustedIssuer, tlsErrorCode, transportReason, untrustedInWords } from './failure-words.ts';

/**
 * "Proxy check at start" (the public Authentise Echo does one): ask the cloud's `/about/` directly
 * and, when a proxy is in effect for the cloud, through it; say which works. Any HTTP answer counts
 * as reachable (the probe carries no credential). Echo keeps the route it is configured for either
 * way: falling back to direct when the proxy fails would go round a company's policy.
 */
export async function checkNetwork(
  network: CloudNetwork,
  cloudUrl: string,
  options: { timeoutMs: number; now?: () => number },
): Promise<NetworkCheck> {
  const about = new URL('about/', cloudUrl.endsWith('/') ? cloudUrl : `${cloudUrl}/`).toString();
  const route = await network.routeFor(about);
  const [direct, proxied] = await Promise.all([
    probe(about, network.direct(), options.timeoutMs),
    route.via === 'proxy' ? probe(about, network.throughProxy(route.proxy), options.timeoutMs) : undefined,
  ]);
  const used = route.via === 'proxy' ? proxied! : direct;
  const check: NetworkCheck = {
    checkedAt: new Date((options.now ?? Date.now)()).toISOString(),
    url: about,
    source: route.source,
    route: route.via,
    ...(route.via === 'proxy' ? { proxy: route.proxy } : {}),
    direct,
    ...(proxied ? { proxied } : {}),
    trust: network.trust.added,
    reachable: used.reachable,
    summary: '',
  };
  if (used.certificateCode) {
    const issuer = await certificateIssuer(about, {
      ...(route.via === 'proxy' ? { proxy: route.proxy } : {}),
      ...(network.proxyAuthorization ? { proxyAuthorization: network.proxyAuthorization } : {}),
      timeoutMs: options.timeoutMs,
    });
    if (issuer) network.rememberIssuer(new URL(about).origin, issuer);
    used.detail = untrustedInWords(issuer, used.certificateCode);
    if (issuer) check.issuer = issuer;
  }
  check.summary = summarize(check);
  return check;
}

/** The check's verdict in the log: info when the configured route works, warn when not. */
export function logNetworkCheck(logger: Logger, check: NetworkCheck): void {
  const fields = {
    network: { route: check.route, proxy: check.proxy, source: check.source, trust: check.trust },
  };
  if (check.reachable) logger.info(fields, check.summary);
  else logger.warn(fields, check.summary);
}

async function probe(url: string, dispatcher: Dispatcher, timeoutMs: number): Promise<ProbeResult> {
  try {
    const response = await fetch(url, {
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await response.body?.cancel().catch(() => undefined);
    return { reachable: true, detail: `answered ${response.status}` };
  } catch (error) {
    const code = tlsErrorCode(error);
    if (isUntrustedIssuer(code)) return { reachable: false, detail: code!, certificateCode: code! };
    return { reachable: false, detail: transportReason(error) };
  }
}

function summarize(check: NetworkCheck): string {
  const { direct, proxied } = check;
  const used = check.route === 'proxy' ? proxied : direct;
  // The cloud (or a proxy in the way) answered, with a certificate Echo does not trust: the CA is
  // the fix, not the route.
  if (used?.certificateCode) return `the cloud's certificate is not trusted: ${used.detail}`;
  if (check.route === 'direct') {
    if (direct.reachable) return `the cloud answers directly (${describeSource(check)})`;
    return `the cloud does not answer directly: ${direct.detail}; if this network needs a proxy, set cloud.proxy or HTTPS_PROXY`;
  }
  const via = `through the proxy ${check.proxy} (${describeSource(check)})`;
  if (proxied?.reachable)
    return direct.reachable
      ? `the cloud answers ${via}, and directly too`
      : `the cloud answers ${via}; not directly (${direct.detail}): the proxy is needed`;
  if (direct.reachable)
    return `the cloud does not answer ${via}: ${proxied?.detail}; it answers directly: fix cloud.proxy (or HTTPS_PROXY/NO_PROXY), Echo keeps to the proxy`;
  return `the cloud does not answer ${via} (${proxied?.detail}) nor directly (${direct.detail})`;
}

function describeSource(check: NetworkCheck): string {
  if (check.source === 'config') return 'cloud.proxy';
  if (check.source === 'environment') return 'HTTPS_PROXY/HTTP_PROXY';
  if (check.source === 'system') return "the system's proxy settings";
  return 'no proxy set';
}
