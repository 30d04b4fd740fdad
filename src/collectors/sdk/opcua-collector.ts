import { join } from 'node:path';
import type { ClientSubscription } from 'node-opcua-client';
import type {
  Collector,
  CollectorContext,
  CommandResult,
  ConnectionTest,
  MachineCommand,
  PollResult,
} from './collector.ts';
import { CollectorError } from './collector-error.ts';
import type { OpcuaConnectionConfig } from './opcua-config.ts';
import { OpcuaControl } from './opcua-control.ts';
import { OpcuaReader } from './opcua-reader.ts';
import { type OpcuaConnection, openOpcuaSession } from './opcua-session.ts';
import type { OpcuaEvent, OpcuaMachineSpec } from './opcua-spec.ts';
import { subscribeMachine } from './opcua-subscription.ts';
import { opcuaTrust } from './opcua-trust.ts';

export type { OpcuaEvent, OpcuaMachineSpec } from './opcua-spec.ts';

/** At most this many machine log events are kept between two polls (the oldest go first). */
const MAX_EVENTS = 10_000;

/**
 * A machine over OPC UA: the connection's lifecycle. A secured session (`openOpcuaSession`), the
 * reads planned on it (`OpcuaReader`: the OPC 40001-1 model's browse paths or the configured
 * NodeIds), a subscription to the machine's variables and events (`subscribeMachine`) so that
 * changes arrive as they happen, not at the poll interval, or reads on each poll where the server
 * allows no subscription; remote commands through `OpcuaControl`. Everything is created in
 * `connect`, so a reconnect re-creates the subscriptions. `poll` returns the latest values.
 */
export class OpcuaCollector implements Collector {
  private connection: OpcuaConnection | undefined;
  private subscription: ClientSubscription | undefined;
  private readonly reader: OpcuaReader;
  private readonly commands: OpcuaControl;
  private events: OpcuaEvent[] = [];
  private subscribed = false;

  constructor(
    private readonly config: OpcuaConnectionConfig,
    private readonly spec: OpcuaMachineSpec,
    private readonly ctx: CollectorContext,
  ) {
    this.reader = new OpcuaReader(config, spec, ctx.logger);
    this.commands = new OpcuaControl({
      spec,
      endpointUrl: config.endpoint_url,
      machine: ctx.machine,
      reader: this.reader,
      logger: ctx.logger,
      subscribed: () => this.subscribed,
    });
  }

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
    const { session } = this.connection;
    await this.reader.prepare(session);
    await this.reader.readAll(session);
    this.subscribed = false;
    if (this.config.subscribe) {
      try {
        await subscribeMachine({
          session,
          config: this.config,
          spec: this.spec,
          reader: this.reader,
          logger: this.ctx.logger,
          notify: () => this.ctx.notify(),
          onEvent: (event) => {
            this.events.push(event);
            if (this.events.length > MAX_EVENTS) this.events.shift();
          },
          created: (subscription) => {
            this.subscription = subscription;
          },
        });
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
    const connection = this.live();
    if (!this.subscribed) await this.reader.readAll(connection.session);
    const events = this.events;
    this.events = [];
    const { values } = this.reader;
    return {
      snapshot: this.spec.toSnapshot(values),
      captures: this.spec.captures(values, events),
      logs: this.spec.logs?.(events) ?? [],
    };
  }

  async close(): Promise<void> {
    const { connection, subscription } = this;
    this.connection = undefined;
    this.subscription = undefined;
    this.commands.forget();
    await subscription?.terminate().catch(() => undefined);
    await connection?.close();
  }

  /** pause / resume / cancel through the job methods the server exposes (`opcua-control.ts`). */
  async control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    return this.commands.control(this.live(), command, signal);
  }

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      await this.connect(signal);
      const snapshot = this.spec.toSnapshot(this.reader.values);
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

  /** The open connection; not connected, or lost, is an error (the scheduler reconnects). */
  private live(): OpcuaConnection {
    const connection = this.connection;
    if (!connection) throw new CollectorError('unreachable', `${this.config.endpoint_url}: not connected`);
    const lost = connection.lost();
    if (lost) throw lost;
    return connection;
  }
}
