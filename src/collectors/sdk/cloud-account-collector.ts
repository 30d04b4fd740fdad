import type {
  Collector,
  CollectorCapture,
  CollectorContext,
  ConnectionTest,
  PollResult,
} from './collector.ts';
import { CollectorError } from './collector-error.ts';
import { httpPools } from './http-json.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';
import { type AccountSpec, type AccountView, VendorAccount, vendorAccounts } from './vendor-account.ts';

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
  /** The raw capture of this machine's entry. */
  capture(item: M, view: AccountView<T>): CollectorCapture;
  /** `check_configuration`: a sentence and the details (serial, firmware). */
  describe(item: M): ConnectionTest;
}

/**
 * One machine of a vendor cloud account: each machine is its own modeler with its own captures,
 * but its data comes from the account's shared poller (`VendorAccount`), one list request per
 * interval for all of them.
 */
export class CloudAccountCollector<T, M> implements Collector {
  private account?: VendorAccount<T>;
  private readonly unknownLogged = new Set<string>();

  constructor(
    private readonly spec: CloudMachineSpec<T, M>,
    private readonly ctx: CollectorContext,
  ) {}

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
    return { snapshot, captures: [this.spec.capture(item, view)] };
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
    return this.spec.describe(item);
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
