import { createHash } from 'node:crypto';

/**
 * Decides whether a deduplicated capture is worth storing: when its content changed, or when the
 * unchanged interval passed (so the cloud still hears "still the same" now and then).
 */
export class CaptureFilter {
  private readonly last = new Map<string, { hash: string; at: number }>();

  constructor(private readonly unchangedIntervalMs: number) {}

  shouldStore(key: string, content: string | Buffer, now: number): boolean {
    const hash = createHash('sha1').update(content).digest('hex');
    const previous = this.last.get(key);
    if (previous && previous.hash === hash && now - previous.at < this.unchangedIntervalMs) return false;
    this.last.set(key, { hash, at: now });
    return true;
  }
}
