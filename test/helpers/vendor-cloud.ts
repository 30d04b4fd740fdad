import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { CloudEmulator } from '../../src/cloud-emulator/server.ts';
import type { VendorCloudSimulator } from '../../src/collectors/sdk/simulator/vendor-cloud.ts';
import type { Agent } from '../../src/core/agent.ts';
import type { ResolvedConfig } from '../../src/core/config/load.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from './harness.ts';

/**
 * The scaffolding of the vendor-cloud collectors' tests (Formlabs Web API, Markforged Eiger,
 * Carbon API): machines of one account run by a real agent against the cloud emulator, and the
 * account-level scenarios they share (one list per interval, the 429 pause, an outage said once,
 * history across a restart). What each vendor differs in (its simulator, routes, messages, capture
 * contents) stays in its test, and so do the assertions.
 */

/** One vendor account, as the machines of its collector reach it. */
export interface VendorAccount {
  collector: string;
  /** The machines are named `<prefix>-1`, `<prefix>-2`…, one per serial. */
  prefix: string;
  /** The vendor's simulated cloud: its request counts and faults. */
  cloud: VendorCloudSimulator;
  apiUrl: string;
  username: string;
  /** Written owner-only to a file, referenced as `password_ref: file:`. */
  secret: string;
}

export type LiveMachine = NonNullable<ReturnType<Agent['machines']>[number]['live']>;

/** Job id → how many history captures of it reached the cloud, and from which machines (serials). */
export type HistorySeen = Map<string, { count: number; serials: Set<string> }>;

/** Where a vendor's history captures carry the job and the machine that ran it. */
export interface HistoryCaptureShape {
  /** `meta.source` of the vendor's history captures. */
  source: string;
  captureType: string;
  /** The job id: its key in the capture's meta, and in the vendor's record (the content). */
  id: { meta: string; content: string };
  /** The machine that ran the job: its key in the meta, and in the record; the two must agree. */
  machine: { meta: string; content: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Machines of one account run by one agent, and the steps of the account-level scenarios. */
export class AccountFleet {
  private running: Agent | undefined;

  constructor(
    private readonly t: TestContext,
    private readonly config: ResolvedConfig,
    private readonly cloud: VendorCloudSimulator,
    readonly emulator: CloudEmulator,
    readonly names: string[],
  ) {}

  /** The agent `start` gave last. */
  get agent(): Agent {
    if (!this.running) throw new Error('the fleet’s agent is not started');
    return this.running;
  }

  /** Starts an agent on the fleet's data dir: after `agent.stop()`, a restart. */
  async start(): Promise<Agent> {
    this.running = await startAgentWithCollectors(this.t, this.config);
    return this.running;
  }

  /** The last agent's view of machine `name`. */
  live = (name: string): LiveMachine => this.agent.machines().find((m) => m.name === name)!.live!;

  /** Waits until every machine shows `state`. */
  allIn(state: string, what: string, ms = 10_000): Promise<void> {
    return waitFor(() => this.names.every((n) => this.live(n)?.snapshot.state === state), ms, what);
  }

  /** Waits until `check` holds with every capture sent (an empty backlog). */
  captured(check: () => boolean, what: string, ms = 20_000): Promise<void> {
    return waitFor(() => check() && this.agent.store.stats.captureBacklog() === 0, ms, what);
  }

  /**
   * The history run at start (daily by default) reads `route` once per machine: waits until it is
   * done, so that a fault set next does not land in it.
   */
  async startupHistoryRead(route: string): Promise<void> {
    await waitFor(() => this.cloud.count(route) >= this.names.length, 10_000, 'the start-up history reads');
    await sleep(200);
  }

  /** The requests to `route` and the polls of every machine over `ms` of real time. */
  async requestsOver(route: string, ms: number): Promise<{ lists: number; polls: number }> {
    const polls = () => this.names.reduce((sum, n) => sum + this.live(n).polls, 0);
    const lists = this.cloud.count(route);
    const polled = polls();
    await sleep(ms);
    return { lists: this.cloud.count(route) - lists, polls: polls() - polled };
  }

  /**
   * The account answers 429 with `Retry-After: 3`: resolves 2 s after the first throttled request
   * to `route`, with the count of requests then (`throttled`) and `over()`, which waits until the
   * account is read again after the pause.
   */
  async rateLimitPause(route: string): Promise<{ throttled: number; over: () => Promise<void> }> {
    const cloud = this.cloud;
    cloud.rateLimit(3);
    const at = cloud.count(route);
    await waitFor(() => cloud.count(route) > at, 5_000, 'the throttled request');
    const throttled = cloud.count(route);
    await sleep(2_000);
    return {
      throttled,
      over: () =>
        waitFor(() => cloud.count(route) > throttled + 2, 10_000, 'requests again after Retry-After'),
    };
  }

  /**
   * An outage of the vendor's API (503 to every request) until every machine is offline, then
   * 1.5 s more, then recovery: resolves once every machine is idle again, with the errors the
   * machines showed during the outage (in the order of `names`).
   */
  async outage(): Promise<Array<string | undefined>> {
    this.cloud.fault = 'outage';
    await this.allIn('offline', 'both offline');
    const errors = this.names.map((n) => this.live(n).lastError);
    await sleep(1_500);
    this.cloud.fault = null;
    await this.allIn('idle', 'recovered', 30_000);
    return errors;
  }

  /** Waits until a log line the agent sent to the cloud includes `text` (as JSON escapes it). */
  logged(text: string, what: string): Promise<void> {
    const batches = this.emulator.state.logBatches;
    return waitFor(() => batches.some((b) => JSON.stringify(b.logs).includes(text)), 10_000, what);
  }

  /** The log lines the agent sent that say the API answered 503, but not the per-machine ones. */
  outageLogs(): unknown[] {
    return this.emulator.state.logBatches
      .flatMap((b) => b.logs)
      .filter(
        (l) =>
          JSON.stringify(l).includes('answered 503') && !JSON.stringify(l).includes('machine unreachable'),
      );
  }

  /**
   * How the vendor's history captures reached the cloud so far, each checked on the way: of the
   * vendor's capture type, its record (the content) the job and the machine its meta names.
   */
  historyFrom(shape: HistoryCaptureShape): () => HistorySeen {
    return () => {
      const seen: HistorySeen = new Map();
      for (const c of this.emulator.state.captures.values()) {
        if (c.meta.source !== shape.source) continue;
        assert.equal(c.capture_type_name, shape.captureType);
        const id = String(c.meta[shape.id.meta]);
        if (c.content) {
          const record = JSON.parse(c.content.toString()) as Record<string, unknown>;
          assert.equal(record[shape.id.content], id);
          assert.equal(
            record[shape.machine.content],
            c.meta[shape.machine.meta],
            'the record of the machine that sent it',
          );
        }
        const entry = seen.get(id) ?? { count: 0, serials: new Set<string>() };
        entry.count++;
        entry.serials.add(String(c.meta.serial));
        seen.set(id, entry);
      }
      return seen;
    };
  }

  /**
   * After a catch-up: two more history runs (every second) pass and what they captured is sent,
   * so that the test can then check they re-read nothing new.
   */
  async moreHistoryRuns(): Promise<void> {
    await sleep(2_500);
    await waitFor(() => this.agent.store.stats.captureBacklog() === 0, 10_000, 'backlog empty');
  }
}

/**
 * Machines of one account, one per serial, configured against a fresh emulator but not started:
 * `start()` starts (and, after a stop, restarts) the agent on the same data dir. `history: true`
 * reads the history every second two records a page, so that a restart's catch-up takes pages.
 */
export async function accountFleet(
  t: TestContext,
  account: VendorAccount,
  serials: string[],
  options: { listInterval?: number; connection?: Record<string, unknown>; history?: boolean } = {},
): Promise<AccountFleet> {
  const names = serials.map((_, i) => `${account.prefix}-${i + 1}`);
  const { emulator, modelers } = await startEmulator(t, names);
  const dir = tempDir(t);
  const secretFile = join(dir, 'account-secret');
  writeFileSync(secretFile, account.secret, { mode: 0o600 });
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config: ResolvedConfig = {
    ...base,
    machines: base.machines.map((m, i) => ({
      ...m,
      collector: account.collector,
      connection: {
        account: 'shop',
        serial: serials[i]!,
        api_url: account.apiUrl,
        list_interval: options.listInterval ?? 0.2,
        ...options.connection,
      },
      credentials: { username: account.username, password_ref: `file:${secretFile}` },
      poll_interval: 0.1,
      timeout: 2,
      ...(options.history ? { history: { frequency: 'daily' as const, interval: 1, page_size: 2 } } : {}),
    })),
  };
  return new AccountFleet(t, config, account.cloud, emulator, names);
}

/** `accountFleet` with its agent started. */
export async function startAccountFleet(
  t: TestContext,
  account: VendorAccount,
  serials: string[],
  options: { listInterval?: number; connection?: Record<string, unknown> } = {},
): Promise<AccountFleet> {
  const fleet = await accountFleet(t, account, serials, options);
  await fleet.start();
  return fleet;
}
