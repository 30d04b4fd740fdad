import { type StatusCaptureSpec, statusCapture } from './cloud-account-captures.ts';
import type { Collector, CollectorContext, ConnectionTest, HistoryPage, PollResult } from './collector.ts';
import { CollectorError } from './collector-error.ts';
import { httpPools } from './http-json.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';
import { type AccountSession, type AccountSpec, VendorAccount, vendorAccounts } from './vendor-account.ts';

/** What a cloud-to-cloud vendor tells the shared collector: its account, and its machine in it. */
export interface CloudMachineSpec<T, M> {
  /** `vendor|base url|account`: machines with one key share one poller. */
  key: string;
  /** Of the credentials: two machines naming one account with other credentials are refused. */
  fingerprint: string;
  /** Made by the first machine of the account. */
  account(): AccountSpec<T>;
  /** This machine's entry in the account's data; undefined when the account does not list it. */
  select(data: T): M | undefined;
  /** The sentence for a machine the account does not list (check the serial). */
  notListed: string;
  /** The normalized snapshot, and the vendor's state word when Echo does not know it. */
  toSnapshot(item: M): { snapshot: MachineSnapshot; unknownState?: string };
  /** How this machine's entry becomes its status capture (`statusCapture`). */
  status: StatusCaptureSpec<M>;
  /** `check_configuration`: a sentence and the details (serial, firmware), from the mapped entry. */
  describe(item: M, snapshot: MachineSnapshot): ConnectionTest;
  /**
   * This machine's finished jobs after the watermark (`readHistory`), oldest first, read through
   * the account's session (its token and rate-limit budget: a 429 here pauses the whole account).
   */
  history?(session: AccountSession, item: M, after: string | undefined, limit: number): Promise<HistoryPage>;
}

/**
 * One machine of a vendor cloud account: each machine is its own modeler with its own captures,
 * but its data comes from the account's shared poller (`VendorAccount`), one list request per
 * interval for all of them.
 */
export class CloudAccountCollector<T, M> implements Collector {
  private account?: VendorAccount<T>;
  private readonly unknownLogged = new Set<string>();
  /** Defined when the vendor reads a job history (`spec.history`). */
  readonly readHistory?: (
    after: string | undefined,
    limit: number,
    signal: AbortSignal,
  ) => Promise<HistoryPage>;

  constructor(
    private readonly spec: CloudMachineSpec<T, M>,
    private readonly ctx: CollectorContext,
  ) {
    if (spec.history) {
      const history = spec.history.bind(spec);
      this.readHistory = async (after, limit, signal) => {
        const account = this.acquire();
        // The machine's entry (its device id) from the account's shared list: no request of its own.
        const item = this.spec.select((await account.view(signal)).data);
        if (item === undefined) throw new CollectorError('protocol', this.spec.notListed);
        return account.request(signal, (session) => history(session, item, after, limit));
      };
    }
  }

  async connect(): Promise<void> {
    this.acquire();
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const view = await this.acquire().view(signal);
    const item = this.spec.select(view.data);
    if (item === undefined) throw new CollectorError('protocol', this.spec.notListed);
    const { snapshot, unknownState } = this.spec.toSnapshot(item);
    if (unknownState !== undefined && !this.unknownLogged.has(unknownState)) {
      this.unknownLogged.add(unknownState);
      this.ctx.logger.warn(
        { state: unknownState.slice(0, 100) },
        `the vendor reports a state Echo does not know ("${unknownState.slice(0, 100)}"): the state is unknown`,
      );
    }
    // Mapped once: the capture's `significant` reads the same snapshot the poll returns.
    return { snapshot, captures: [statusCapture(this.spec.status, item, snapshot, view)] };
  }

  async close(): Promise<void> {
    if (!this.account) return;
    this.account = undefined;
    vendorAccounts(this.ctx.shared).release(this.spec.key, this.ctx.machine);
  }

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    const view = await this.acquire().view(signal);
    const item = this.spec.select(view.data);
    if (item === undefined) return { ok: false, message: this.spec.notListed };
    return this.spec.describe(item, this.spec.toSnapshot(item).snapshot);
  }

  private acquire(): VendorAccount<T> {
    if (!this.account) {
      this.account = vendorAccounts(this.ctx.shared).acquire(
        this.spec.key,
        this.ctx.machine,
        this.spec.fingerprint,
        () => new VendorAccount(this.spec.account(), httpPools(this.ctx.shared)),
      );
      this.account.attach(this.ctx.machine, this.ctx.logger);
    }
    return this.account;
  }
}

/**
 * The key of a vendor account's shared poller: `https://api/v1` and `https://api/v1/` are one
 * account, so one poller and one rate-limit budget, not two.
 */
export function accountKey(vendor: string, apiUrl: string, account: string): string {
  return `${vendor}|${apiUrl.replace(/\/+$/, '')}|${account}`;
}
