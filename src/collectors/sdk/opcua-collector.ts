import { join } from 'node:path';
import {
  AttributeIds,
  type ClientSubscription,
  constructEventFilter,
  type DataValue,
  ClientSubscription as Subscription,
  TimestampsToReturn,
  type Variant,
} from 'node-opcua-client';
import type {
  Collector,
  CollectorCapture,
  CollectorContext,
  ConnectionTest,
  MachineLogLine,
  PollResult,
} from './collector.ts';
import { CollectorError } from './collector-error.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';
import type { OpcuaConnectionConfig } from './opcua-config.ts';
import { type OpcuaConnection, openOpcuaSession } from './opcua-session.ts';
import { opcuaTrust } from './opcua-trust.ts';

/** A machine log message received as an OPC UA event. */
export interface OpcuaEvent {
  time: string;
  message: string;
  severity: number;
}

/** What a vendor adds to the shared OPC UA collector: its nodes and how they map. */
export interface OpcuaMachineSpec {
  vendor: string;
  /** Node id prefix under the namespace: `ns=<i>;s=<root>.<path>`. */
  root: string;
  variables: readonly string[];
  /** A change of this variable wakes the scheduler at once. */
  stateVariable: string;
  /** Subscribe to the Server object's events (machine log messages). */
  events: boolean;
  /** Whether the machine needs a user (credentials) or takes anonymous sessions. */
  requiresUser: boolean;
  toSnapshot(values: Readonly<Record<string, unknown>>): MachineSnapshot;
  captures(values: Readonly<Record<string, unknown>>, events: readonly OpcuaEvent[]): CollectorCapture[];
  logs?(events: readonly OpcuaEvent[]): MachineLogLine[];
}

/**
 * A machine over OPC UA: a secured session (see `openOpcuaSession`), a subscription to the
 * machine's variables (and its events) so that changes arrive as they happen, not at the poll
 * interval; reads on each poll where the server allows no subscription. Everything is created in
 * `connect`, so a reconnect re-creates the subscriptions. `poll` returns the latest values.
 */
export class OpcuaCollector implements Collector {
  private connection: OpcuaConnection | undefined;
  private subscription: ClientSubscription | undefined;
  private readonly values: Record<string, unknown> = {};
  private events: OpcuaEvent[] = [];
  private subscribed = false;

  constructor(
    private readonly config: OpcuaConnectionConfig,
    private readonly spec: OpcuaMachineSpec,
    private readonly ctx: CollectorContext,
  ) {}

  async connect(signal: AbortSignal): Promise<void> {
    const { username, password } = this.ctx.credentials;
    if (this.spec.requiresUser && (!username || !password)) {
      throw new CollectorError(
        'auth',
        `${this.spec.vendor} needs a user: set credentials.username and credentials.password_ref`,
      );
    }
    this.connection = await openOpcuaSession({
      endpointUrl: this.config.endpoint_url,
      security: this.config.security,
      ...(username && password ? { user: { username, password } } : {}),
      pkiDir: this.ctx.pkiDir,
      // In the machine's own folder: a certificate pinned for one machine never passes for another.
      trustDir: join(this.ctx.dataDir, 'pki'),
      trust: opcuaTrust(this.ctx.shared),
      applicationName: 'Echo edge agent',
      logger: this.ctx.logger,
      signal,
      maxMessageBytes: this.ctx.limits.maxMessageBytes,
    });
    await this.readAll();
    this.subscribed = false;
    if (this.config.subscribe) {
      try {
        await this.subscribe();
        this.subscribed = true;
      } catch (error) {
        this.ctx.logger.warn(
          { err: error },
          'the server refused a subscription: reading on each poll instead',
        );
      }
    }
  }

  async poll(): Promise<PollResult> {
    const connection = this.connection;
    if (!connection) throw new CollectorError('unreachable', `${this.config.endpoint_url}: not connected`);
    const lost = connection.lost();
    if (lost) throw lost;
    if (!this.subscribed) await this.readAll();
    const events = this.events;
    this.events = [];
    return {
      snapshot: this.spec.toSnapshot(this.values),
      captures: this.spec.captures(this.values, events),
      logs: this.spec.logs?.(events) ?? [],
    };
  }

  async close(): Promise<void> {
    const { connection, subscription } = this;
    this.connection = undefined;
    this.subscription = undefined;
    await subscription?.terminate().catch(() => undefined);
    await connection?.close();
  }

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      await this.connect(signal);
      const snapshot = this.spec.toSnapshot(this.values);
      return {
        ok: true,
        message: `${this.spec.vendor} OPC UA server answered (${this.config.security.mode}/${this.config.security.policy}, state ${snapshot.state})`,
        details: { serial: snapshot.serialNumber, firmware: snapshot.firmware },
      };
    } catch (error) {
      if (!(error instanceof CollectorError)) throw error;
      return { ok: false, message: error.message, details: { failure: error.failure, ...error.details } };
    } finally {
      await this.close();
    }
  }

  private nodeId(path: string): string {
    return `ns=${this.config.namespace_index};s=${this.spec.root}.${path}`;
  }

  private async readAll(): Promise<void> {
    const session = this.connection!.session;
    const results = await session.read(
      this.spec.variables.map((path) => ({ nodeId: this.nodeId(path), attributeId: AttributeIds.Value })),
    );
    for (const [i, result] of results.entries()) this.store(this.spec.variables[i]!, result);
  }

  private store(path: string, value: DataValue): void {
    if (!value.statusCode.isGood()) {
      throw new CollectorError(
        'protocol',
        `${this.config.endpoint_url}: node ${this.nodeId(path)} answered ${value.statusCode.name}; check connection.namespace_index`,
      );
    }
    const raw = value.value.value as unknown;
    this.values[path] = raw instanceof Date ? raw.toISOString() : raw;
  }

  private async subscribe(): Promise<void> {
    const session = this.connection!.session;
    const subscription = await Subscription.create(session, {
      requestedPublishingInterval: this.config.sampling_interval_ms,
      requestedLifetimeCount: 100,
      requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 1000,
      publishingEnabled: true,
    });
    this.subscription = subscription;
    for (const path of this.spec.variables) {
      // `monitor` resolves once the server created the item: events and changes after `connect`
      // returns are then never missed (`ClientMonitoredItem.create` returns before that).
      const item = await subscription.monitor(
        { nodeId: this.nodeId(path), attributeId: AttributeIds.Value },
        { samplingInterval: this.config.sampling_interval_ms, queueSize: 1, discardOldest: true },
        TimestampsToReturn.Both,
      );
      item.on('changed', (value: DataValue) => {
        const before = this.values[path];
        try {
          this.store(path, value);
        } catch (error) {
          this.ctx.logger.warn({ err: error }, 'a monitored node went bad');
          return;
        }
        if (path === this.spec.stateVariable && before !== this.values[path]) this.ctx.notify();
      });
    }
    if (this.spec.events) {
      const item = await subscription.monitor(
        { nodeId: 'i=2253', attributeId: AttributeIds.EventNotifier },
        {
          samplingInterval: 0,
          queueSize: 1000,
          discardOldest: false,
          filter: constructEventFilter(['Time', 'Message', 'Severity']),
        },
        TimestampsToReturn.Both,
      );
      item.on('changed', (fields: unknown) => {
        const [time, message, severity] = fields as Variant[];
        const when = time?.value instanceof Date ? time.value.toISOString() : new Date().toISOString();
        const text = (message?.value as { text?: string } | null)?.text ?? String(message?.value ?? '');
        this.events.push({ time: when, message: text, severity: Number(severity?.value ?? 0) });
        if (this.events.length > 10_000) this.events.shift();
      });
    }
  }
}
