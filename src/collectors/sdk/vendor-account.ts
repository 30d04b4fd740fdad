import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { type CloudReply, cloudRequest, retryAfterMs } from './cloud-request.ts';
import type { CollectorLogger } from './collector.ts';
import { CollectorError } from './collector-error.ts';
import type { HttpPools } from './http-json.ts';
import { parseJsonReply } from './http-json.ts';
import type { SharedResources } from './shared-resources.ts';

export { type CloudReply, cloudRequest, retryAfterMs } from './cloud-request.ts';

/**
 * A vendor cloud account (Formlabs Web API, Markforged Eiger, Carbon API) serves many machines.
 * The machines that name the same account share ONE `VendorAccount` (from `ctx.shared`, counted by
 * reference): one list request per interval fans out to every machine, one rate-limit budget (a 429
 * with Retry-After pauses the whole account), one bearer token refreshed once before it expires, and
 * an outage is one error for the account (every machine shows it, the log says it once).
 */

/** A bearer token and how long it lives. */
export interface IssuedToken {
  token: string;
  /** Lifetime in ms from when it was issued. */
  lifetimeMs: number;
}

/** What a vendor adds to the shared account: how to authenticate, and what one refresh reads. */
export interface AccountSpec<T> {
  /** `Formlabs Web API`, `Markforged Eiger`: the words of error messages. */
  service: string;
  /** The account's name as the machines' config gives it. */
  account: string;
  /** One list request per this interval, whatever the number of machines. */
  intervalMs: number;
  /** The deadline of one refresh (token included). */
  requestTimeoutMs: number;
  /** The largest answer read. */
  maxBodyBytes: number;
  /** Static headers for every request (HTTP Basic), when the vendor has no token. */
  headers?: () => Record<string, string>;
  /** Issues a bearer token (OAuth2 client credentials, a signed JWT), through `session`. */
  issueToken?: (session: AccountSession, signal: AbortSignal) => Promise<IssuedToken>;
  /** One refresh of the account's data (the list of printers), through `session`. */
  read: (session: AccountSession, signal: AbortSignal) => Promise<T>;
}

/** The requests of one refresh: rate-limit gate, bearer token, 401 → one new token, 429 → pause. */
export interface AccountSession {
  get<S extends z.ZodType>(
    url: string,
    schema: S,
    options?: { emptyOn?: readonly number[] },
  ): Promise<z.infer<S> | undefined>;
  /** A request without the bearer (the token endpoint), through the same rate-limit gate. */
  raw(
    method: 'GET' | 'POST',
    url: string,
    options?: { headers?: Record<string, string>; body?: { contentType: string; data: string } },
  ): Promise<CloudReply>;
}

/** The account's latest data as a machine sees it. */
export interface AccountView<T> {
  data: T;
  /** When the data was read (ISO). */
  readAt: string;
  /** Set while the account is paused by the vendor's rate limit: the data is the last read. */
  rateLimitedUntil?: string;
}

const now = () => performance.now();

/** The shared poller of one vendor account (see the module comment). */
export class VendorAccount<T> {
  private last?: { at: number; readAt: string; data?: T; error?: CollectorError };
  private inflight?: Promise<void>;
  private pausedUntil = 0;
  private token?: { value: string; refreshAt: number };
  private tokenRefresh?: Promise<string>;
  private failing?: string;
  private readonly machines = new Map<string, CollectorLogger>();
  private closed = false;
  /** Counters for tests and the status line: requests sent, tokens issued. */
  readonly stats = { refreshes: 0, tokens: 0, rateLimited: 0 };

  constructor(
    private readonly spec: AccountSpec<T>,
    private readonly pools: HttpPools,
  ) {}

  attach(machine: string, logger: CollectorLogger): void {
    this.machines.set(machine, logger);
  }

  detach(machine: string): number {
    this.machines.delete(machine);
    return this.machines.size;
  }

  close(): void {
    this.closed = true;
    this.token = undefined;
  }

  /**
   * The account's data, read at most once per interval for all its machines: a machine asking
   * within the interval gets the last read (or its error); a read in flight is joined, never doubled.
   */
  async view(signal: AbortSignal): Promise<AccountView<T>> {
    if (this.closed)
      throw new CollectorError('protocol', `${this.describe()}: the account poller was closed`);
    const fresh = this.last && now() - this.last.at < this.spec.intervalMs;
    const paused = now() < this.pausedUntil;
    if (!fresh && !paused && !this.inflight) {
      this.inflight = this.refresh().finally(() => {
        this.inflight = undefined;
      });
    }
    if (this.inflight) await raceSignal(this.inflight, signal);
    const last = this.last;
    const limited =
      now() < this.pausedUntil ? new Date(Date.now() + (this.pausedUntil - now())).toISOString() : undefined;
    if (last?.data !== undefined && (last.error === undefined || last.error.details.rateLimited === true)) {
      return { data: last.data, readAt: last.readAt, ...(limited ? { rateLimitedUntil: limited } : {}) };
    }
    if (last?.error) throw last.error;
    throw new CollectorError(
      'protocol',
      `${this.describe()}: rate limited by the vendor until ${limited ?? 'later'}; no data read yet`,
    );
  }

  /**
   * Requests of one machine outside the shared list read (its job history) through the account's
   * session: the same token, the same rate-limit budget (nothing is sent during a pause, and a 429
   * pauses every machine of the account), the same error mapping.
   */
  async request<R>(signal: AbortSignal, run: (session: AccountSession) => Promise<R>): Promise<R> {
    if (this.closed)
      throw new CollectorError('protocol', `${this.describe()}: the account poller was closed`);
    if (now() < this.pausedUntil) throw this.rateLimitError();
    return run(this.session(signal));
  }

  private describe(): string {
    return `${this.spec.service} (account "${this.spec.account}")`;
  }

  private async refresh(): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.spec.requestTimeoutMs);
    timer.unref?.();
    this.stats.refreshes++;
    const readAt = new Date().toISOString();
    try {
      const data = await this.spec.read(this.session(controller.signal), controller.signal);
      this.last = { at: now(), readAt, data };
      if (this.failing !== undefined) {
        this.failing = undefined;
        this.log('info', {}, `${this.describe()} answers again`);
      }
    } catch (error) {
      const failure =
        error instanceof CollectorError
          ? error
          : new CollectorError('protocol', `${this.describe()}: ${String(error).slice(0, 300)}`, error);
      const rateLimited = failure.details.rateLimited === true;
      // A pause keeps the last data (it is still the vendor's latest word); any other failure is
      // the account's error, shown by every machine until a read succeeds.
      this.last =
        rateLimited && this.last?.data !== undefined
          ? { ...this.last, error: failure }
          : { at: now(), readAt, error: failure };
      if (this.failing !== failure.message) {
        this.failing = failure.message;
        this.log('warn', { kind: failure.failure, machines: [...this.machines.keys()] }, failure.message);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private session(signal: AbortSignal): AccountSession {
    return {
      raw: (method, url, options = {}) => this.send(method, url, signal, options.headers ?? {}, options.body),
      get: async (url, schema, options = {}) => {
        let token = await this.bearer(signal);
        let reply = await this.send('GET', url, signal, this.authHeaders(token));
        if (reply.status === 401 && token !== undefined) {
          // The token expired early or was revoked: one new token (shared), one retry.
          this.invalidate(token);
          token = await this.bearer(signal);
          reply = await this.send('GET', url, signal, this.authHeaders(token));
        }
        if (reply.status === 401 || reply.status === 403) {
          throw new CollectorError(
            'auth',
            `${this.describe()}: ${url} refused the credentials (${reply.status}): check credentials.username and credentials.password_ref`,
          );
        }
        if (reply.status >= 500) {
          throw new CollectorError(
            'unreachable',
            `${this.describe()}: ${url} answered ${reply.status} (a vendor outage?)`,
          );
        }
        return parseJsonReply(url, reply.status, reply.text, schema, options.emptyOn);
      },
    };
  }

  private authHeaders(token: string | undefined): Record<string, string> {
    return { ...this.spec.headers?.(), ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) };
  }

  private async send(
    method: 'GET' | 'POST',
    url: string,
    signal: AbortSignal,
    headers: Record<string, string>,
    body?: { contentType: string; data: string },
  ): Promise<CloudReply> {
    if (now() < this.pausedUntil) throw this.rateLimitError();
    const reply = await cloudRequest(method, url, {
      signal,
      pools: this.pools,
      headers,
      maxBodyBytes: this.spec.maxBodyBytes,
      ...(body ? { body } : {}),
    });
    if (reply.status === 429) {
      this.stats.rateLimited++;
      this.pausedUntil = Math.max(this.pausedUntil, now() + retryAfterMs(reply.retryAfter));
      throw this.rateLimitError();
    }
    return reply;
  }

  private rateLimitError(): CollectorError {
    const until = new Date(Date.now() + Math.max(0, this.pausedUntil - now())).toISOString();
    return new CollectorError(
      'protocol',
      `${this.describe()}: rate limit reached (429); every machine of the account waits until ${until}`,
      undefined,
      { rateLimited: true, until },
    );
  }

  /** The current token, refreshed once (shared by concurrent callers) when near its expiry. */
  private bearer(signal: AbortSignal): Promise<string | undefined> {
    if (!this.spec.issueToken) return Promise.resolve(undefined);
    if (this.token && now() < this.token.refreshAt) return Promise.resolve(this.token.value);
    this.tokenRefresh ??= this.spec
      .issueToken(this.session(signal), signal)
      .then((issued) => {
        this.stats.tokens++;
        // Refreshed before it expires: at 90 % of its life, at most 5 min early.
        const margin = Math.min(issued.lifetimeMs * 0.1, 300_000);
        this.token = { value: issued.token, refreshAt: now() + issued.lifetimeMs - margin };
        return issued.token;
      })
      .finally(() => {
        this.tokenRefresh = undefined;
      });
    return this.tokenRefresh;
  }

  private invalidate(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  private log(level: 'info' | 'warn', context: object, message: string): void {
    const logger = this.machines.values().next().value;
    logger?.[level]({ ...context, account: this.spec.account }, message);
  }
}

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CollectorError('timeout', 'the poll was aborted'));
  return new Promise((resolve, reject) => {
    const onAbort = () =>
      reject(new CollectorError('timeout', 'the poll timed out waiting for the account read'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A hash of the credentials: machines naming one account with different credentials are refused. */
export function credentialFingerprint(...parts: Array<string | undefined>): string {
  return createHash('sha256')
    .update(parts.map((p) => p ?? '').join('\0'))
    .digest('hex');
}

interface Entry {
  account: VendorAccount<unknown>;
  fingerprint: string;
  refs: Set<string>;
  lingering?: NodeJS.Timeout;
}

/**
 * The collection's vendor accounts, by key (`vendor|base url|account`), counted by reference: the
 * first machine makes the account, the last one to leave closes it, after a short linger so that a
 * machine reconnecting (the scheduler closes a collector on every failed poll) keeps the account's
 * token and rate-limit pause instead of starting over.
 */
export class VendorAccounts {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly lingerMs = 30_000) {}

  acquire<T>(
    key: string,
    machine: string,
    fingerprint: string,
    create: () => VendorAccount<T>,
  ): VendorAccount<T> {
    let entry = this.entries.get(key);
    if (entry && entry.fingerprint !== fingerprint) {
      throw new CollectorError(
        'auth',
        `machine "${machine}" names the account of ${[...entry.refs].map((m) => `"${m}"`).join(', ') || 'another machine'} with other credentials: give every machine of one account the same credentials`,
      );
    }
    if (!entry) {
      entry = { account: create() as VendorAccount<unknown>, fingerprint, refs: new Set() };
      this.entries.set(key, entry);
    }
    if (entry.lingering) {
      clearTimeout(entry.lingering);
      entry.lingering = undefined;
    }
    entry.refs.add(machine);
    return entry.account as VendorAccount<T>;
  }

  release(key: string, machine: string): void {
    const entry = this.entries.get(key);
    if (!entry?.refs.delete(machine)) return;
    entry.account.detach(machine);
    if (entry.refs.size > 0) return;
    entry.lingering = setTimeout(() => {
      if (entry.refs.size > 0) return;
      this.entries.delete(key);
      entry.account.close();
    }, this.lingerMs);
    entry.lingering.unref?.();
  }

  /** How many machines hold the account now (tests). */
  holders(key: string): number {
    return this.entries.get(key)?.refs.size ?? 0;
  }

  get(key: string): VendorAccount<unknown> | undefined {
    return this.entries.get(key)?.account;
  }

  closeAll(): void {
    for (const entry of this.entries.values()) {
      if (entry.lingering) clearTimeout(entry.lingering);
      entry.account.close();
    }
    this.entries.clear();
  }
}

/** The collection's vendor accounts, made on first use and closed with it. */
export function vendorAccounts(shared: SharedResources): VendorAccounts {
  return shared.get(
    'sdk/vendor-accounts',
    () => new VendorAccounts(),
    (accounts) => accounts.closeAll(),
  );
}
