import type { Logger } from 'pino';
import { CloudOriginError } from '../../shared/errors.ts';

/**
 * Where the cloud credential (Basic api token or session cookie) may go: the origin of `cloud.url`
 * and of `cloud.events_url`, nowhere else. The cloud names resources by absolute URI (a modeler
 * type, a capture, an upload URL), and a reply that points elsewhere (a misconfigured public URL,
 * a compromised or impersonated server) must not collect the token. Each foreign origin is
 * logged once, not per request: a cloud that keeps answering so would otherwise flood the log.
 */
export class CredentialOrigins {
  private readonly trusted: ReadonlySet<string>;
  private readonly reported = new Set<string>();

  constructor(
    urls: ReadonlyArray<string | undefined>,
    private readonly logger?: Pick<Logger, 'info' | 'warn'>,
  ) {
    this.trusted = new Set(urls.filter((u): u is string => u !== undefined).map((u) => new URL(u).origin));
  }

  /** True when `url` (absolute) may carry the credential. */
  trusts(url: string): boolean {
    return this.trusted.has(new URL(url).origin);
  }

  /**
   * An API resource on another origin: refused (a typed error), never fetched. The path is named,
   * not the query, which may carry a token of its own.
   */
  refuse(method: string, url: string): CloudOriginError {
    const { origin, pathname } = new URL(url);
    const own = [...this.trusted].join(', ');
    if (this.firstTime(`refused ${origin}`)) {
      this.logger?.warn(
        { origin, cloud: own },
        'the cloud referred to a resource on another origin; Echo sends its credential only to the cloud’s own origin, so such resources are not fetched (check the cloud’s public URL)',
      );
    }
    return new CloudOriginError(
      origin,
      `${method} ${origin}${pathname}: not the cloud's origin (${own}); refused rather than sending the credential there`,
    );
  }

  /** A presigned upload URL on another origin: sent, without the credential (logged once). */
  anonymous(url: string): void {
    const { origin } = new URL(url);
    if (this.firstTime(`anonymous ${origin}`)) {
      this.logger?.info(
        { origin },
        'uploads to another origin (presigned URLs) go without the cloud credential',
      );
    }
  }

  private firstTime(key: string): boolean {
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }
}
