import type { Logger } from 'pino';
import { Agent, type Dispatcher, EnvHttpProxyAgent, ProxyAgent } from 'undici';
import type { EchoConfig } from '../../../shared/config/schema.ts';
import { resolveSecretRef, type SecretStore } from '../../secrets/secret-store.ts';
import { type CloudTrust, cloudTrust } from './cloud-trust.ts';
import { bypassesProxy, environmentProxy, redactProxy } from './no-proxy.ts';
import { choosePac, type SystemProxyResolver } from './system-proxy.ts';

/** Where the proxy in effect comes from. */
export type ProxySource = 'config' | 'environment' | 'system' | 'none';

/** How one URL is reached: directly or through a proxy (shown without credentials). */
export type CloudRoute =
  | { via: 'direct'; source: ProxySource }
  | { via: 'proxy'; proxy: string; source: ProxySource };

type CloudSettings = EchoConfig['cloud'];

/** How long a PAC answer for an origin is reused: PAC files change rarely, WPAD on network moves. */
const PAC_TTL_MS = 5 * 60_000;

/**
 * The one way to the cloud: every cloud request (API, uploads, downloads, the events stream)
 * takes its undici dispatcher from here, so that the proxy and the trusted CAs apply to all of it.
 * Machines on the LAN use their own sockets and never come here (docs/network.md).
 *
 * `cloud.proxy.mode`: `manual` and the environment's HTTPS_PROXY/HTTP_PROXY/NO_PROXY go through
 * undici's EnvHttpProxyAgent (NO_PROXY rules included); the desktop app's system settings through
 * a ProxyAgent per PAC answer; `none` (or nothing set) through a plain Agent.
 */
export class CloudNetwork {
  readonly source: ProxySource;
  readonly trust: CloudTrust;
  private readonly directAgent: Agent;
  private readonly routed: Dispatcher | undefined;
  private readonly proxyAgents = new Map<string, ProxyAgent>();
  private readonly pacCache = new Map<string, { route: CloudRoute; until: number }>();
  private readonly settings: { httpProxy?: string; httpsProxy?: string; noProxy: string };
  private readonly token: string | undefined;
  private readonly tls: { ca?: string[] };
  private warnedPac = new Set<string>();
  private readonly issuers = new Map<string, string>();

  constructor(
    private readonly options: {
      cloud: Pick<CloudSettings, 'proxy' | 'ca_file' | 'use_system_ca'>;
      secrets: SecretStore;
      logger?: Logger;
      env?: NodeJS.ProcessEnv;
      /** The desktop app's resolver (PAC, WPAD); absent headless. */
      systemProxy?: SystemProxyResolver;
      now?: () => number;
    },
  ) {
    const { cloud } = options;
    const env = options.env ?? process.env;
    this.trust = cloudTrust(cloud);
    this.tls = this.trust.ca ? { ca: this.trust.ca } : {};
    this.directAgent = new Agent({ connect: this.tls });
    this.token = proxyToken(cloud.proxy, options.secrets);
    const fromEnv = environmentProxy(env);
    if (cloud.proxy.mode === 'none') {
      this.source = 'none';
      this.settings = { noProxy: '' };
    } else if (cloud.proxy.mode === 'manual') {
      this.source = 'config';
      const url = cloud.proxy.url!;
      this.settings = { httpProxy: url, httpsProxy: url, noProxy: cloud.proxy.no_proxy ?? '' };
    } else if (fromEnv.httpProxy || fromEnv.httpsProxy) {
      this.source = 'environment';
      this.settings = {
        ...(fromEnv.httpProxy ? { httpProxy: fromEnv.httpProxy } : {}),
        ...(fromEnv.httpsProxy ? { httpsProxy: fromEnv.httpsProxy } : {}),
        noProxy: withLoopback(fromEnv.noProxy),
      };
    } else {
      this.source = options.systemProxy ? 'system' : 'none';
      this.settings = { noProxy: '' };
    }
    if (this.source === 'config' || this.source === 'environment') {
      this.routed = new EnvHttpProxyAgent({
        // EnvHttpProxyAgent falls back to the environment for what is not given: give everything.
        httpProxy: this.settings.httpProxy ?? '',
        httpsProxy: this.settings.httpsProxy ?? this.settings.httpProxy ?? '',
        noProxy: this.settings.noProxy,
        connect: this.tls,
        requestTls: this.tls,
        ...(this.token ? { token: this.token } : {}),
      });
    }
  }

  /** The dispatcher for a request to `url` (the cloud, its events host, a presigned link). */
  async dispatcherFor(url: string): Promise<Dispatcher> {
    if (this.routed) return this.routed;
    if (this.source !== 'system') return this.directAgent;
    const route = await this.routeFor(url);
    return route.via === 'proxy' ? this.proxyAgent(route.proxy) : this.directAgent;
  }

  /** Which way a request to `url` goes, for the network check, `status` and the log. */
  async routeFor(url: string): Promise<CloudRoute> {
    const target = new URL(url);
    if (this.source === 'config' || this.source === 'environment') {
      const proxy = target.protocol === 'https:' ? this.settings.httpsProxy : this.settings.httpProxy;
      if (!proxy || bypassesProxy(target, this.settings.noProxy))
        return { via: 'direct', source: this.source };
      return { via: 'proxy', proxy: redactProxy(proxy), source: this.source };
    }
    if (this.source === 'system') return this.systemRoute(target);
    return { via: 'direct', source: this.source };
  }

  /** A dispatcher that never uses a proxy, with the same trusted CAs (the direct half of the check). */
  direct(): Dispatcher {
    return this.directAgent;
  }

  /** A dispatcher through `proxy` (as `routeFor` names it) with the configured credentials. */
  throughProxy(proxy: string): Dispatcher {
    return this.proxyAgent(proxy);
  }

  /** The Proxy-Authorization this agent sends, for the certificate probe's own CONNECT. */
  get proxyAuthorization(): string | undefined {
    if (this.token) return this.token;
    const url = this.settings.httpsProxy ?? this.settings.httpProxy;
    if (!url) return undefined;
    const { username, password } = new URL(url);
    return username && password
      ? `Basic ${Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString('base64')}`
      : undefined;
  }

  /** Who signed the certificate an origin showed and Echo did not trust (learnt by the network check). */
  knownIssuer(origin: string): string | undefined {
    return this.issuers.get(origin);
  }

  rememberIssuer(origin: string, issuer: string): void {
    this.issuers.set(origin, issuer);
  }

  /** At stop, after sync drained: whatever is still open (a stalled stream) is cut, not waited for. */
  async close(): Promise<void> {
    const all: Dispatcher[] = [this.directAgent, ...this.proxyAgents.values()];
    if (this.routed) all.push(this.routed);
    await Promise.all(all.map((d) => d.destroy().catch(() => undefined)));
  }

  private proxyAgent(redacted: string): ProxyAgent {
    let agent = this.proxyAgents.get(redacted);
    if (!agent) {
      // The configured or environment URL may carry credentials the redacted name does not.
      const full = [this.settings.httpsProxy, this.settings.httpProxy].find(
        (candidate) => candidate !== undefined && redactProxy(candidate) === redacted,
      );
      agent = new ProxyAgent({
        uri: full ?? redacted,
        requestTls: this.tls,
        ...(this.token ? { token: this.token } : {}),
      });
      this.proxyAgents.set(redacted, agent);
    }
    return agent;
  }

  private async systemRoute(target: URL): Promise<CloudRoute> {
    if (bypassesProxy(target, LOOPBACK)) return { via: 'direct', source: 'system' };
    const now = (this.options.now ?? Date.now)();
    const cached = this.pacCache.get(target.origin);
    if (cached && cached.until > now) return cached.route;
    let answer: string;
    try {
      answer = await this.options.systemProxy!.resolve(target.href);
    } catch (error) {
      this.options.logger?.warn(
        { err: error, origin: target.origin },
        'the system proxy settings could not be read; going direct',
      );
      return { via: 'direct', source: 'system' };
    }
    const choice = choosePac(answer);
    let route: CloudRoute;
    if (choice.via === 'proxy') route = { via: 'proxy', proxy: redactProxy(choice.url), source: 'system' };
    else {
      if (choice.via === 'unsupported' && !this.warnedPac.has(choice.entry)) {
        this.warnedPac.add(choice.entry);
        this.options.logger?.warn(
          { origin: target.origin, pac: choice.entry },
          'the system proxy settings name a proxy Echo cannot use (SOCKS); going direct: set cloud.proxy.mode manual',
        );
      }
      route = { via: 'direct', source: 'system' };
    }
    this.pacCache.set(target.origin, { route, until: now + PAC_TTL_MS });
    return route;
  }
}

/**
 * A proxy elsewhere cannot reach this PC's loopback: a cloud there (the emulator, the demo) goes
 * direct whatever the environment says, as Go's and Chromium's proxy rules do. `cloud.proxy.mode:
 * manual` follows its own `no_proxy` only (a local debugging proxy is set that way).
 */
const LOOPBACK = 'localhost,127.0.0.1,[::1]';

function withLoopback(noProxy: string): string {
  return noProxy.trim() === '*'
    ? noProxy
    : [noProxy, LOOPBACK].filter((part) => part.trim() !== '').join(',');
}

function proxyToken(proxy: CloudSettings['proxy'], secrets: SecretStore): string | undefined {
  if (proxy.username === undefined) return undefined;
  const password = proxy.password_ref ? resolveSecretRef(proxy.password_ref, secrets) : '';
  return `Basic ${Buffer.from(`${proxy.username}:${password}`).toString('base64')}`;
}
