import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  CommandResult,
  ConnectionTest,
  MachineCommand,
  MachineLogLine,
  PollResult,
} from './collector.ts';
import { CollectorError } from './collector-error.ts';
import { CommandRefused } from './command-refused.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';
import type { OpcuaConnectionConfig } from './opcua-config.ts';
import { planReads, type ReadPlan } from './opcua-machinery.ts';
import {
  callArguments,
  findJobMethods,
  type JobVerb,
  type MethodSearch,
  machineObject,
  type OpcuaMethodNames,
  returnStatusOf,
  returnStatusProblem,
} from './opcua-methods.ts';
import { type BrowsePath, MODEL_STATE_KEYS } from './opcua-model.ts';
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
  /**
   * Browse paths from the machine object of the OPC 40001-1 `Machines` folder, per variable
   * (`opcua-model.ts`): where the server has the model, these are read instead of the configured
   * NodeIds, and variables without a path the server resolves stay at their configured NodeIds.
   */
  model?: Readonly<Record<string, BrowsePath>>;
  /** Subscribe to the Server object's events (machine log messages). */
  events: boolean;
  /** Whether the machine needs a user (credentials) or takes anonymous sessions. */
  requiresUser: boolean;
  toSnapshot(values: Readonly<Record<string, unknown>>): MachineSnapshot;
  captures(values: Readonly<Record<string, unknown>>, events: readonly OpcuaEvent[]): CollectorCapture[];
  logs?(events: readonly OpcuaEvent[]): MachineLogLine[];
  /**
   * The BrowseNames of the machine's job methods, per command, in order of preference. They are
   * looked for by browsing the machine's object (`opcua-methods.ts`); a command whose method the
   * server does not expose is refused as unsupported. Without it, `control` refuses everything.
   */
  methods?: OpcuaMethodNames;
  /** The current job's id as the methods take it (ISA-95 `JobOrderID`); default the job's name. */
  jobId?(values: Readonly<Record<string, unknown>>): string | undefined;
}

/** The cloud's job commands → the verbs of `OpcuaMachineSpec.methods`. */
const VERBS: Partial<Record<MachineCommand['type'], JobVerb>> = {
  pause_job: 'pause',
  resume_job: 'resume',
  cancel_job: 'cancel',
};

/** How long the machine's state has to show what a method did. */
const CONFIRM_MS = 10_000;
const CONFIRM_POLL_MS = 100;

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
  /** Where each variable is read on this connection (`planReads`). */
  private plan: ReadPlan = { nodeIds: {}, active: [], optional: new Set() };
  private events: OpcuaEvent[] = [];
  private subscribed = false;
  /** The job methods found on this connection (browsed once per connection). */
  private methods: { connection: OpcuaConnection; search: Promise<MethodSearch> } | undefined;

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
    for (const key of Object.keys(this.values)) delete this.values[key];
    this.plan = await planReads({
      session: this.connection.session,
      variables: this.spec.variables,
      paths: this.spec.model,
      configured: (v) => this.nodeId(v),
      serial: this.config.serial_number,
      useModel: this.config.companion_model,
      logger: this.ctx.logger,
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
    this.methods = undefined;
    await subscription?.terminate().catch(() => undefined);
    await connection?.close();
  }

  /**
   * pause / resume / cancel through the job methods the machine's server exposes (found by
   * browsing, see `opcua-methods.ts`): the machine's state is read and checked first (nothing is
   * called when it does not allow the command), the method is called with the job's id where it
   * asks for one, a Bad status or an ISA-95 ReturnStatus error fails the command, and the state
   * the machine goes to confirms it (at most 10 s).
   */
  async control(command: MachineCommand, signal: AbortSignal): Promise<CommandResult> {
    const connection = this.connection;
    const where = this.config.endpoint_url;
    if (!connection) throw new CollectorError('unreachable', `${where}: not connected`);
    const lost = connection.lost();
    if (lost) throw lost;
    const verb = VERBS[command.type];
    const names = verb ? this.spec.methods?.[verb] : undefined;
    if (!verb || !names) {
      throw new CommandRefused(
        `${this.spec.vendor} machines cannot ${command.type} from Echo`,
        undefined,
        'unsupported_command',
      );
    }
    const search = await this.methodSearch(connection);
    const method = search.found[verb];
    if (!method) {
      throw new CommandRefused(
        `the OPC UA server of ${this.ctx.machine} exposes no ${names.join('/')} method (browsed ${search.browsed} nodes under ${search.startName} ${search.start.toString()}${search.truncated ? ', up to the browse limit' : ''})`,
        undefined,
        'unsupported_command',
      );
    }

    await this.readAll();
    const before = this.spec.toSnapshot(this.values);
    const allowed =
      verb === 'pause'
        ? before.state === 'printing'
        : verb === 'resume'
          ? before.state === 'paused'
          : before.job !== undefined;
    if (!allowed) {
      throw new CommandRefused(
        before.job
          ? `the job "${before.job.name}" is ${before.state}: there is nothing to ${verb}`
          : `the machine is ${before.state} with no job: there is nothing to ${verb}`,
        before.state,
      );
    }
    const jobId = this.spec.jobId?.(this.values) ?? before.job?.name;
    if (command.jobExternalId && jobId && command.jobExternalId !== jobId) {
      throw new CommandRefused(
        `the machine is running job ${jobId}, not ${command.jobExternalId}: nothing was sent`,
        before.state,
      );
    }
    if (!method.userExecutable) {
      throw new CollectorError(
        'auth',
        `${where}: the OPC UA user may not call ${method.path} (UserExecutable is false); give it the right on the machine`,
      );
    }
    let inputArguments: ReturnType<typeof callArguments>;
    try {
      inputArguments = callArguments(method, command.jobExternalId ?? jobId);
    } catch (error) {
      throw new CollectorError('protocol', `${where}: ${(error as Error).message}`, error);
    }

    const result = await connection.session.call({
      objectId: method.objectId,
      methodId: method.methodId,
      inputArguments,
    });
    const badInput = (result.inputArgumentResults ?? []).find((r) => !r.isGood());
    if (!result.statusCode.isGood()) {
      throw new CollectorError(
        'protocol',
        `${where}: ${method.path} answered ${result.statusCode.name}${badInput ? ` (an argument: ${badInput.name})` : ''}; the machine was ${before.state}`,
        undefined,
        { status_code: result.statusCode.name },
      );
    }
    const returnStatus = returnStatusOf(method, result.outputArguments ?? []);
    const problem = returnStatus !== undefined ? returnStatusProblem(returnStatus) : undefined;
    if (problem) throw new CollectorError('protocol', `${where}: ${method.path} answered ${problem}`);

    const after = await this.confirm(verb, method.path, signal);
    return {
      message: `${method.path} was called and the machine confirmed ${verb}: it is ${after} (it was ${before.state})`,
      reply: {
        method: method.name,
        method_path: method.path,
        method_node_id: method.methodId.toString(),
        object_node_id: method.objectId.toString(),
        job_id: command.jobExternalId ?? jobId ?? null,
        job_name: before.job?.name ?? null,
        status_code: result.statusCode.name,
        return_status: returnStatus !== undefined ? returnStatus.toString() : null,
        state_before: before.state,
        state_after: after,
      },
    };
  }

  /** The job methods of this connection: browsed on first use, then kept until it closes. */
  private methodSearch(connection: OpcuaConnection): Promise<MethodSearch> {
    if (this.methods?.connection === connection) return this.methods.search;
    const search = (async () => {
      try {
        const start =
          this.plan.machine ??
          (await machineObject(connection.session, this.nodeId(this.spec.stateVariable)));
        const found = await findJobMethods(connection.session, start, this.spec.methods!);
        this.ctx.logger.info(
          {
            start: found.start.toString(),
            browsed: found.browsed,
            truncated: found.truncated,
            methods: Object.fromEntries(
              Object.entries(found.found).map(([verb, m]) => [verb, `${m.path} (${m.methodId.toString()})`]),
            ),
          },
          'browsed the OPC UA server for job methods',
        );
        return found;
      } catch (error) {
        if (error instanceof CollectorError) throw error;
        throw new CollectorError(
          'protocol',
          `${this.config.endpoint_url}: browsing for the job methods failed: ${(error as Error).message}`,
          error,
        );
      }
    })();
    this.methods = { connection, search };
    search.catch(() => {
      if (this.methods?.search === search) this.methods = undefined;
    });
    return search;
  }

  /** Waits until the machine's state shows the command done; returns that state. */
  private async confirm(verb: JobVerb, what: string, signal: AbortSignal): Promise<string> {
    const until = Date.now() + CONFIRM_MS;
    for (;;) {
      if (!this.subscribed) await this.readAll();
      const now = this.spec.toSnapshot(this.values);
      const done =
        verb === 'pause'
          ? now.state === 'paused'
          : verb === 'resume'
            ? now.state === 'printing'
            : now.job === undefined;
      if (done) return now.state;
      if (Date.now() >= until || signal.aborted) {
        throw new CollectorError(
          'timeout',
          `${this.config.endpoint_url}: ${what} answered Good, but the machine did not show ${verb} within ${CONFIRM_MS / 1000} s (it is ${now.state})`,
        );
      }
      await sleep(CONFIRM_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
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
    const { plan } = this;
    const paths = [...plan.active];
    const results = await session.read(
      paths.map((path) => ({ nodeId: plan.nodeIds[path]!, attributeId: AttributeIds.Value })),
    );
    for (const [i, result] of results.entries()) {
      const path = paths[i]!;
      if (!result.statusCode.isGood() && plan.optional.has(path)) {
        // The model was found and this vendor node is not there: left out, not an error.
        plan.active = plan.active.filter((p) => p !== path);
        this.ctx.logger.info(
          { variable: path, status: result.statusCode.name },
          'an optional node is absent',
        );
        continue;
      }
      this.store(path, result);
    }
  }

  private store(path: string, value: DataValue): void {
    if (!value.statusCode.isGood()) {
      throw new CollectorError(
        'protocol',
        `${this.config.endpoint_url}: node ${this.plan.nodeIds[path]?.toString() ?? path} (${path}) answered ${value.statusCode.name}; check connection.namespace_index`,
      );
    }
    const raw = value.value.value as unknown;
    // The standard state machines' CurrentState is a LocalizedText: its text is the state.
    this.values[path] =
      raw instanceof Date
        ? raw.toISOString()
        : raw !== null && typeof raw === 'object' && 'text' in raw
          ? ((raw as { text?: string | null }).text ?? '')
          : raw;
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
    for (const path of this.plan.active) {
      // `monitor` resolves once the server created the item: events and changes after `connect`
      // returns are then never missed (`ClientMonitoredItem.create` returns before that).
      const item = await subscription.monitor(
        { nodeId: this.plan.nodeIds[path]!, attributeId: AttributeIds.Value },
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
        const isState = path === this.spec.stateVariable || MODEL_STATE_KEYS.includes(path);
        if (isState && before !== this.values[path]) this.ctx.notify();
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
