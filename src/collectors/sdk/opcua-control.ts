import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectorLogger, CommandResult, MachineCommand } from './collector.ts';
import { CollectorError } from './collector-error.ts';
import { CommandRefused } from './command-refused.ts';
import {
  callArguments,
  findJobMethods,
  type JobVerb,
  type MethodSearch,
  machineObject,
  returnStatusOf,
  returnStatusProblem,
} from './opcua-methods.ts';
import type { OpcuaReader } from './opcua-reader.ts';
import type { OpcuaConnection } from './opcua-session.ts';
import type { OpcuaMachineSpec } from './opcua-spec.ts';

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
 * A machine's remote commands over OPC UA: pause / resume / cancel through the job methods its
 * server exposes, found by browsing (`opcua-methods.ts`) from the machine object (the one found
 * below `Machines` where the model is read, else the ancestor of the configured state variable),
 * once per connection.
 */
export class OpcuaControl {
  /** The job methods found on this connection (browsed once per connection). */
  private methods: { connection: OpcuaConnection; search: Promise<MethodSearch> } | undefined;

  constructor(
    private readonly options: {
      spec: OpcuaMachineSpec;
      endpointUrl: string;
      /** The machine's name, for messages. */
      machine: string;
      reader: OpcuaReader;
      logger: CollectorLogger;
      /** Whether the values arrive through a subscription (else they are read). */
      subscribed: () => boolean;
    },
  ) {}

  /** Forgets the methods found (the connection closed). */
  forget(): void {
    this.methods = undefined;
  }

  /**
   * The machine's state is read and checked first (nothing is called when it does not allow the
   * command), the method is called with the job's id where it asks for one, a Bad status or an
   * ISA-95 ReturnStatus error fails the command, and the state the machine goes to confirms it
   * (at most 10 s).
   */
  async control(
    connection: OpcuaConnection,
    command: MachineCommand,
    signal: AbortSignal,
  ): Promise<CommandResult> {
    const { spec, reader, endpointUrl: where } = this.options;
    const verb = VERBS[command.type];
    const names = verb ? spec.methods?.[verb] : undefined;
    if (!verb || !names) {
      throw new CommandRefused(
        `${spec.vendor} machines cannot ${command.type} from Echo`,
        undefined,
        'unsupported_command',
      );
    }
    const search = await this.methodSearch(connection);
    const method = search.found[verb];
    if (!method) {
      throw new CommandRefused(
        `the OPC UA server of ${this.options.machine} exposes no ${names.join('/')} method (browsed ${search.browsed} nodes under ${search.startName} ${search.start.toString()}${search.truncated ? ', up to the browse limit' : ''})`,
        undefined,
        'unsupported_command',
      );
    }

    await reader.readAll(connection.session);
    const before = spec.toSnapshot(reader.values);
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
    const jobId = spec.jobId?.(reader.values) ?? before.job?.name;
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

    const after = await this.confirm(connection, verb, method.path, signal);
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
    const { spec, reader, logger } = this.options;
    const search = (async () => {
      try {
        const start =
          reader.plan.machine ?? (await machineObject(connection.session, reader.nodeId(spec.stateVariable)));
        const found = await findJobMethods(connection.session, start, spec.methods!);
        logger.info(
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
          `${this.options.endpointUrl}: browsing for the job methods failed: ${(error as Error).message}`,
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
  private async confirm(
    connection: OpcuaConnection,
    verb: JobVerb,
    what: string,
    signal: AbortSignal,
  ): Promise<string> {
    const { spec, reader } = this.options;
    const until = Date.now() + CONFIRM_MS;
    for (;;) {
      if (!this.options.subscribed()) await reader.readAll(connection.session);
      const now = spec.toSnapshot(reader.values);
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
          `${this.options.endpointUrl}: ${what} answered Good, but the machine did not show ${verb} within ${CONFIRM_MS / 1000} s (it is ${now.state})`,
        );
      }
      await sleep(CONFIRM_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
