import type { Logger } from 'pino';
import type { SyncStatus as WireSyncStatus } from '../../shared/api/index.ts';
import { CloudHttpError, CloudOriginError, describeError, StoreError } from '../../shared/errors.ts';
import { type Clock, Wakeup } from '../clock.ts';
import { CredentialOrigins } from '../cloud/credential-origins.ts';
import { type ApiToken, loadApiToken, withheldTokenReason } from '../cloud/credentials.ts';
import { type CloudDispatchers, CloudHttpClient } from '../cloud/http-client.ts';
import { InstallationIdentityFile } from '../cloud/installation-identity.ts';
import { InstallationMemory } from '../cloud/installation-memory.ts';
import { ensureRegistered } from '../cloud/registration.ts';
import { aboutReply, eccoReply, modelerReply } from '../cloud/replies.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { Store } from '../store/store.ts';
import { ECHO_VERSION } from '../version.ts';
import { CaptureSync } from './capture-sync.ts';
import { classifyError, FORBIDDEN_HOLD_MS } from './classify-error.ts';
import { CloudGate } from './cloud-gate.ts';
import { type HealthAssessment, HealthAssessor } from './health.ts';
import { LogSync } from './log-sync.ts';
import { StatusSync } from './status-sync.ts';
import { supervise } from './supervise.ts';
import type { CaptureOwner, SyncContext } from './sync-context.ts';
import { throughGate } from './through-gate.ts';

/** Where the agent stands with the cloud. */
export type AuthState = WireSyncStatus['auth'];

/**
 * The local API's `SyncStatus` (the `cloud` part of `status`), every field present: the engine
 * names each one when it builds it (`undefined` where unknown), so a field added to the wire type
 * cannot be forgotten here. On the wire an `undefined` field is simply absent.
 */
export type SyncStatus = { [K in keyof Required<WireSyncStatus>]: WireSyncStatus[K] };

export interface SyncEngineOptions {
  config: ResolvedConfig;
  store: Store;
  secrets: SecretStore;
  clock: Clock;
  logger: Logger;
  modelerFor(machine: string): string | undefined;
  captureOwnerFor(machine: string): CaptureOwner | undefined;
  machineNames(): string[];
  /** Told when the cloud's `enabled` switch changes. */
  onEnabledChange?(enabled: boolean): void;
  /** The way to the cloud (proxy, trusted CAs): core/cloud/network/cloud-network.ts. */
  network?: CloudDispatchers;
}

const CREDENTIAL_RECHECK_MS = 5000;
/** Health checks retried soon after a resume before the loop keeps its interval again. */
const RESUME_CHECKS = 3;

/**
 * The sync engine: signs in with the stored credential, registers the installation, reports health
 * and obeys the `enabled` switch, and runs the capture, log and status workers while all is well.
 * Collection never waits for it: collectors write to the store, and the engine drains the store.
 */
export class SyncEngine {
  readonly client: CloudHttpClient;
  private readonly gate: CloudGate;
  private readonly captures: CaptureSync;
  private readonly logs: LogSync;
  private readonly statuses: StatusSync;
  private readonly assessor: HealthAssessor;
  private readonly ctx: SyncContext;
  /** The installation's URI, in the store and in `installation.json` (which outlives a quarantine). */
  private readonly installation: InstallationMemory;
  private readonly connectWakeup = new Wakeup();
  /** Wakes the health loop before its interval (after a sleep: is the session still good?). */
  private readonly healthWakeup = new Wakeup();
  /**
   * Health checks still to retry soon after a resume: the first request after a sleep may meet a
   * keep-alive socket the cloud closed meanwhile, which says nothing of the session.
   */
  private resumeChecks = 0;
  private readonly controller = new AbortController();
  private loops: Promise<void>[] = [];
  private auth: AuthState = 'signed_out';
  private authError: string | undefined;
  private token: ApiToken | undefined;
  private eccoUri: string | undefined;
  private enabled = true;
  private lastHealth: HealthAssessment = { health: 'unknown', reasons: [] };
  private lastHealthReportAt: number | undefined;

  constructor(private readonly options: SyncEngineOptions) {
    const { config, clock } = options;
    // The credential goes to the cloud's own origins only (docs/security.md, "Network").
    const origins = new CredentialOrigins([config.cloud.url, config.cloud.events_url], options.logger);
    this.client = new CloudHttpClient(
      config.cloud.url,
      config.cloud.request_timeout_ms,
      origins,
      options.network,
    );
    this.gate = new CloudGate(clock, config.sync.backoff_initial_ms, config.sync.backoff_max_ms);
    const ctx: SyncContext = {
      client: this.client,
      store: options.store,
      gate: this.gate,
      clock,
      logger: options.logger,
      config,
      modelerFor: options.modelerFor,
      captureOwnerFor: options.captureOwnerFor,
      machineNames: options.machineNames,
      unauthenticated: (reason) => this.unauthenticated(reason),
      userUuid: () => this.token?.userUuid ?? null,
    };
    this.ctx = ctx;
    // Log entries keep who was signed in when they were written (contract: `user_uuid`).
    options.store.logUser = () => this.token?.userUuid ?? null;
    this.installation = new InstallationMemory({
      stats: options.store.stats,
      file: new InstallationIdentityFile(config.data_dir),
      cloudUrl: config.cloud.url,
      workstationName: config.workstation_name,
      trusts: (uri) => this.client.trusts(uri),
      now: clock.now,
      logger: options.logger,
    });
    this.captures = new CaptureSync(ctx);
    this.logs = new LogSync(ctx);
    this.statuses = new StatusSync(ctx);
    this.assessor = new HealthAssessor(options.store, {
      backlogDegradedRecords: config.sync.backlog_degraded_records,
      machineFailingMs: config.sync.machine_failing_degraded_minutes * 60_000,
      now: clock.now,
    });
  }

  start(): void {
    const signal = this.controller.signal;
    const active = () => this.isActive();
    const deps = { signal, clock: this.options.clock, logger: this.options.logger };
    this.loops = [
      supervise('connect', (s) => this.connectLoop(s), deps),
      supervise('health', (s) => this.healthLoop(s), deps),
      supervise('captures', (s) => this.captures.run(s, active), deps),
      supervise('logs', (s) => this.logs.run(s, active), deps),
      supervise('statuses', (s) => this.statuses.run(s, active), deps),
    ];
  }

  /** Signed in, registered, and enabled by the cloud: the workers may talk to it. */
  isActive(): boolean {
    return this.auth === 'signed_in' && this.eccoUri !== undefined && this.enabled;
  }

  /** The client, the shared Retry-After gate and the store, for the command engine's workers. */
  get context(): SyncContext {
    return this.ctx;
  }

  /** Stops every worker; in-flight requests finish or are abandoned (they resume after restart). */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
  }

  /** New data is in the store: send it without waiting for the next interval. */
  wake(): void {
    this.captures.wakeup.poke();
  }

  /** A machine's status changed (or its history advanced): report it without waiting. */
  statusChanged(): void {
    this.statuses.wakeup.poke();
  }

  /** True once the installation is registered (the cloud is reachable and the token valid). */
  get registered(): boolean {
    return this.eccoUri !== undefined;
  }

  /** The cloud modeler's history watermark; undefined when unknown or the cloud is unreachable. */
  async modelerWatermark(modeler: string): Promise<string | undefined> {
    // Through the shared gate: a Retry-After or an outage holds it as it holds every worker.
    const reply = await throughGate(
      this.ctx,
      () => this.client.json({ method: 'GET', url: modeler }, modelerReply),
      this.controller.signal,
    );
    return reply.watermark ?? undefined;
  }

  /**
   * Echo ran again after a sleep (host/host-time.ts): the session is checked at once (the health
   * loop's PUT and GET of the installation; the connect loop if it was not registered), every
   * worker looks at its queue, and a suspend's time counts towards the gate's hold.
   */
  resumed(suspendedMs: number): void {
    if (suspendedMs > 0) this.gate.suspendedFor(suspendedMs);
    this.resumeChecks = RESUME_CHECKS;
    this.healthWakeup.poke();
    this.connectWakeup.poke();
    this.captures.wakeup.poke();
    this.logs.wakeup.poke();
    this.statuses.wakeup.poke();
  }

  /** Sends pending logs now (e.g. after a burst of machine logs). */
  flushLogs(): void {
    this.logs.wakeup.poke();
  }

  /** A new credential is available (login through the CLI or the local API). */
  credentialsChanged(): void {
    this.auth = 'signed_out';
    this.token = undefined;
    this.connectWakeup.poke();
  }

  status(): SyncStatus {
    const lastSuccess = this.gate.lastSuccessAt;
    const closedUntil = this.gate.closedUntil;
    return {
      auth: this.auth,
      authError: this.authError,
      registered: this.eccoUri !== undefined,
      eccoUri: this.eccoUri,
      enabled: this.enabled,
      reachable: this.gate.reachable,
      lastSyncAt: lastSuccess === undefined ? undefined : new Date(lastSuccess).toISOString(),
      lastError: this.gate.lastError,
      retryingAt: closedUntil > this.options.clock.now() ? new Date(closedUntil).toISOString() : undefined,
      health: this.lastHealth,
      lastHealthReportAt:
        this.lastHealthReportAt === undefined ? undefined : new Date(this.lastHealthReportAt).toISOString(),
      waitingForModeler: [...this.captures.waitingForModeler],
    };
  }

  private unauthenticated(reason: string): void {
    if (this.auth !== 'signed_in') return;
    this.auth = 'needs_sign_in';
    this.authError = reason;
    this.options.logger.error(
      { reason },
      'the cloud no longer accepts this installation’s credential: sign in again',
    );
    this.connectWakeup.poke();
  }

  /** Picks up a credential, probes the cloud and registers; again after every loss. */
  private async connectLoop(signal: AbortSignal): Promise<void> {
    const { clock, logger, config, secrets } = this.options;
    while (!signal.aborted) {
      if (this.auth !== 'signed_in') {
        let token: ApiToken | undefined;
        let unreadable = false;
        try {
          token = loadApiToken(config, secrets);
        } catch (error) {
          this.authError = describeError(error);
          unreadable = true;
        }
        const rejected =
          this.auth === 'needs_sign_in' &&
          token?.secret === this.token?.secret &&
          token?.uuid === this.token?.uuid;
        if (token && !rejected) {
          this.token = token;
          this.client.auth = { kind: 'token', uuid: token.uuid, secret: token.secret };
          this.auth = 'signed_in';
          this.authError = undefined;
        } else {
          if (!token) this.auth = 'signed_out';
          // The config file's token is for another cloud than the app's cloud.url: say so.
          if (!token && !unreadable && config.withheldApiToken)
            this.authError = withheldTokenReason(config.withheldApiToken);
          await this.connectWakeup.wait(clock, CREDENTIAL_RECHECK_MS, signal);
          continue;
        }
      }
      if (this.eccoUri === undefined) {
        await this.gate.pass(signal);
        try {
          await this.client.json({ method: 'GET', url: 'about/' }, aboutReply);
          const registered = await ensureRegistered(this.client, this.installation, {
            version: ECHO_VERSION,
            bureau: config.cloud.bureau,
            health: this.lastHealth.health,
            workstationName: config.workstation_name,
            adoptByName: config.cloud.adopt_installation_by_name,
            now: clock.now,
            logger,
          });
          this.gate.succeeded();
          this.eccoUri = registered.uri;
          this.setEnabled(registered.ecco.enabled);
          logger.info({ ecco: registered.uri }, 'registered with the cloud');
          this.captures.wakeup.poke();
          this.logs.wakeup.poke();
          this.statuses.wakeup.poke();
        } catch (error) {
          const outcome = classifyError(error, this.ctx);
          if (error instanceof CloudOriginError) {
            // The cloud named the new installation on another origin (its public URL?): it was not
            // saved, and each new POST would register another installation. Ask again in a long
            // while, as for a 403.
            this.gate.holdFor(FORBIDDEN_HOLD_MS, outcome.reason);
          } else if (outcome.kind === 'dead' || outcome.kind === 'not_found') {
            // A refusal that will not change by itself (a 4xx): back off like an outage rather
            // than ask again at once.
            this.gate.failed(outcome.reason);
          }
          continue;
        }
      }
      await this.connectWakeup.wait(clock, 60_000, signal);
    }
  }

  /** Every health interval: assess, `PUT /ecco/<uuid>/`, and read back the `enabled` switch. */
  private async healthLoop(signal: AbortSignal): Promise<void> {
    const { clock, config } = this.options;
    while (!signal.aborted) {
      this.lastHealth = this.assessor.assess();
      let retrySoon = false;
      if (this.auth === 'signed_in' && this.eccoUri) {
        await this.gate.pass(signal);
        const checkedAt = new Date(clock.now()).toISOString();
        const stats = this.options.store.stats;
        const reportId = this.recordHealthLocally(checkedAt);
        try {
          await this.client.send({
            method: 'PUT',
            url: this.eccoUri,
            json: { health: this.lastHealth.health, health_check_on: checkedAt, version: ECHO_VERSION },
          });
          if (reportId !== undefined) unlessStoreRefuses(() => stats.markHealthSent(reportId));
          this.lastHealthReportAt = clock.now();
          const ecco = await this.client.json({ method: 'GET', url: this.eccoUri }, eccoReply);
          this.gate.succeeded();
          this.setEnabled(ecco.enabled);
          this.resumeChecks = 0;
        } catch (error) {
          if (error instanceof CloudHttpError && error.status === 404) {
            // The installation was deleted in the cloud: register again.
            this.installation.forget();
            this.eccoUri = undefined;
            this.connectWakeup.poke();
          } else classifyError(error, this.ctx);
          // Again as soon as the gate opens (it spaces the attempts), a few times at most.
          retrySoon = this.resumeChecks > 0;
          if (retrySoon) this.resumeChecks--;
        }
      }
      await this.healthWakeup.wait(clock, retrySoon ? 0 : config.intervals.health * 1000, signal);
    }
  }

  /**
   * Keeps the health report in the store; on a full disk or an unwritable store it is sent all the
   * same (that is when the cloud most needs to hear "degraded"), just not kept.
   */
  private recordHealthLocally(checkedAt: string): number | undefined {
    return unlessStoreRefuses(() =>
      this.options.store.stats.recordHealth(this.lastHealth.health, this.lastHealth.reasons, checkedAt),
    );
  }

  private setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.options.logger.warn(
      { enabled },
      enabled
        ? 'the cloud enabled this installation again: collection and uploads resume'
        : 'the cloud disabled this installation: collection and uploads are paused, stored data is kept',
    );
    this.options.onEnabledChange?.(enabled);
    if (enabled) this.wake();
  }
}

/**
 * Runs a bookkeeping write the health report can do without: undefined when the store refuses it
 * for now (a full disk, an unwritable store), so that what follows (reading the cloud's `enabled`
 * switch) still happens.
 */
function unlessStoreRefuses<T>(write: () => T): T | undefined {
  try {
    return write();
  } catch (error) {
    if (error instanceof StoreError && error.retryable) return undefined;
    throw error;
  }
}
