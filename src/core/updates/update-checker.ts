import { join } from 'node:path';
import type { Logger } from 'pino';
import type { UpdateStatus } from '../../shared/api/wire-status.ts';
import { describeError } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';
import type { CloudHttpClient } from '../cloud/http-client.ts';
import { type DownloadedUpdate, downloadUpdate, UpdateRefused } from './download-update.ts';
import { feedTarget, type OfferedUpdate, pickUpdate, readInstallers } from './installer-feed.ts';

export interface UpdateSettings {
  check: 'cloud' | 'off';
  /** Seconds between checks. */
  interval: number;
  require_checksum: boolean;
  max_file_mb: number;
}

export interface UpdateCheckerOptions {
  client: CloudHttpClient;
  /** The cloud's Retry-After gate: a check waits while it holds (its outcome does not move it). */
  gate?: { pass(signal?: AbortSignal): Promise<void> };
  settings: UpdateSettings;
  dataDir: string;
  /** The running version (ECHO_VERSION). */
  current: string;
  /** Default: the running process's. */
  platform?: NodeJS.Platform;
  arch?: string;
  clock: Clock;
  logger: Logger;
  /** Signed in and registered: the scheduled checks wait for it. */
  registered: () => boolean;
}

/** What the local API answers for a download: the ready file, or why not (its code and words). */
export type UpdateDownloadResult =
  | {
      ok: true;
      path: string;
      version: string;
      sha256: string;
      size: number;
      verifiedBy: DownloadedUpdate['verifiedBy'];
    }
  | { ok: false; code: 'updates_off' | 'no_update' | 'update_refused' | 'update_failed'; message: string };

/** A failed check is tried again this soon (or at the interval, if that is sooner). */
const RETRY_FAILED_MS = 15 * 60_000;
/** The listing's links are valid one hour: a download with an older offer reads the list again. */
const OFFER_FRESH_MS = 50 * 60_000;
const TICK_MS = 5000;

/**
 * Updates from the cloud's `/installer/` feed: checks after sign-in, every `updates.interval` and
 * on demand; offers the newest Echo newer than the running one for this platform; downloads and
 * verifies it on demand (`downloadUpdate`). It never runs an installer: the desktop app does,
 * after its own checks (docs/security.md, "Updates").
 */
export class UpdateChecker {
  private state: UpdateStatus['state'] = 'idle';
  private offer: OfferedUpdate | undefined;
  private offeredAt = 0;
  private error: string | undefined;
  private checkedAt: number | undefined;
  private ready: (DownloadedUpdate & { version: string }) | undefined;
  private checking: Promise<UpdateStatus> | undefined;
  private downloading: Promise<UpdateDownloadResult> | undefined;
  private readonly off: string | undefined;
  private readonly target: ReturnType<typeof feedTarget>;

  constructor(private readonly options: UpdateCheckerOptions) {
    this.target = feedTarget(options.platform ?? process.platform, options.arch ?? process.arch);
    if (options.settings.check === 'off') this.off = 'updates.check is off';
    else if ('unsupported' in this.target) this.off = this.target.unsupported;
  }

  status(): UpdateStatus {
    const offer = this.offer;
    return {
      current: this.options.current,
      ...(this.off ? { off: this.off } : {}),
      ...(offer
        ? {
            available: {
              version: offer.version,
              platform: offer.platform,
              architecture: offer.architecture,
              type: offer.type,
            },
          }
        : {}),
      state: this.state,
      ...(this.error ? { error: this.error } : {}),
      ...(this.checkedAt !== undefined ? { checkedAt: new Date(this.checkedAt).toISOString() } : {}),
      ...(this.state === 'ready' && this.ready
        ? { file: this.ready.path, verifiedBy: this.ready.verifiedBy }
        : {}),
    };
  }

  /** Whether checks happen at all (false: `updates.check: off`, or a platform without builds). */
  get enabled(): boolean {
    return this.off === undefined;
  }

  /** Asks the cloud now (a check already running is joined); the status after it. */
  check(signal?: AbortSignal): Promise<UpdateStatus> {
    if (!this.enabled) return Promise.resolve(this.status());
    this.checking ??= this.checkOnce(signal).finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkOnce(signal: AbortSignal | undefined): Promise<UpdateStatus> {
    const { client, gate, logger } = this.options;
    const target = this.target;
    if ('unsupported' in target) return this.status();
    const before = this.state;
    if (before !== 'downloading') this.state = 'checking';
    try {
      const entries = await readInstallers(client, target.platform, async (send) => {
        await gate?.pass(signal);
        signal?.throwIfAborted();
        return send();
      });
      const offer = pickUpdate(entries, { current: this.options.current, ...target }, logger);
      const previous = this.offer?.version;
      this.offer = offer;
      this.offeredAt = this.options.clock.monotonic();
      this.checkedAt = this.options.clock.now();
      this.error = undefined;
      if (offer && offer.version !== previous) {
        logger.info({ version: offer.version, type: offer.type }, `Echo ${offer.version} is available`);
      } else if (!offer) logger.debug({ current: this.options.current }, 'no newer Echo in the cloud');
      if (this.ready && this.ready.version !== offer?.version) this.ready = undefined;
      if (this.state !== 'downloading') this.state = this.ready ? 'ready' : 'idle';
    } catch (error) {
      this.checkedAt = this.options.clock.now();
      this.error = `the update check failed: ${describeError(error)}`;
      if (this.state !== 'downloading') this.state = 'failed';
      logger.info({ error: describeError(error) }, 'the update check failed');
    }
    return this.status();
  }

  /** Downloads and verifies the offered update (once: a ready file is answered again). */
  download(signal?: AbortSignal): Promise<UpdateDownloadResult> {
    this.downloading ??= this.downloadOnce(signal).finally(() => {
      this.downloading = undefined;
    });
    return this.downloading;
  }

  private async downloadOnce(signal: AbortSignal | undefined): Promise<UpdateDownloadResult> {
    if (!this.enabled) return { ok: false, code: 'updates_off', message: `no updates: ${this.off}` };
    const { clock, settings, logger } = this.options;
    if (!this.offer || clock.monotonic() - this.offeredAt > OFFER_FRESH_MS) await this.check(signal);
    const offer = this.offer;
    if (!offer) {
      return {
        ok: false,
        code: this.state === 'failed' ? 'update_failed' : 'no_update',
        message: this.error ?? `no newer Echo than ${this.options.current} is offered for this platform`,
      };
    }
    if (this.ready && this.ready.version === offer.version) return this.readyResult(this.ready);
    this.state = 'downloading';
    this.error = undefined;
    try {
      const file = await downloadUpdate({
        client: this.options.client,
        offer,
        dir: join(this.options.dataDir, 'updates'),
        maxBytes: settings.max_file_mb * 1024 * 1024,
        requireChecksum: settings.require_checksum,
        ...(signal ? { signal } : {}),
        logger,
      });
      this.ready = { ...file, version: offer.version };
      this.state = 'ready';
      return this.readyResult(this.ready);
    } catch (error) {
      this.state = 'failed';
      this.ready = undefined;
      if (error instanceof UpdateRefused) {
        this.error = error.message;
        logger.warn({ version: offer.version, code: error.code }, error.message);
        return { ok: false, code: 'update_refused', message: error.message };
      }
      this.error = `the download of Echo ${offer.version} failed: ${describeError(error)}`;
      logger.warn({ version: offer.version }, this.error);
      return { ok: false, code: 'update_failed', message: this.error };
    }
  }

  private readyResult(ready: DownloadedUpdate & { version: string }): UpdateDownloadResult {
    return {
      ok: true,
      path: ready.path,
      version: ready.version,
      sha256: ready.sha256,
      size: ready.size,
      verifiedBy: ready.verifiedBy,
    };
  }

  /**
   * The scheduled checks until `signal` aborts: one as soon as the agent is signed in and
   * registered (again after each new sign-in), then every `updates.interval` (a failed one within
   * 15 minutes). Intervals run on the monotonic clock.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.enabled) return;
    const { clock } = this.options;
    const intervalMs = this.options.settings.interval * 1000;
    let wasRegistered = false;
    let last: number | undefined;
    while (!signal.aborted) {
      const registered = this.options.registered();
      if (registered) {
        const wait = this.state === 'failed' ? Math.min(intervalMs, RETRY_FAILED_MS) : intervalMs;
        if (!wasRegistered || last === undefined || clock.monotonic() - last >= wait) {
          last = clock.monotonic();
          await this.check(signal).catch(() => undefined);
        }
      }
      wasRegistered = registered;
      await sleep(TICK_MS, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
