import type { CommandResult, MachineCommand, PrintingPreset } from '../../collectors/sdk/collector.ts';
import { CommandRefused } from '../../collectors/sdk/command-refused.ts';
import { describeError } from '../../shared/errors.ts';
import type { CommandType } from '../../shared/model/commands.ts';
import type { StoredCommand } from '../store/command-queue.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { type CloudCommand, cloudCommand, isCommandType, machineCommandOf } from './cloud-command.ts';
import { reportStatus } from './command-report.ts';
import { JobFileRefused } from './job-file.ts';

/** What the runner asks of the machines (the collection, in the agent). */
export interface CommandExecutor {
  /**
   * Undefined when `machine` can take `type`; otherwise why not, as `unsupported_command` or
   * `not_allowed` and a sentence naming the machine.
   */
  refusal(
    machine: string,
    type: CommandType,
  ): { code: 'unsupported_command' | 'not_allowed' | 'not_collected'; message: string } | undefined;
  /**
   * How long a command waits for the operator's confirmation at the workstation, in ms; undefined
   * when it needs none (every type but start_job; a machine set for unattended work).
   */
  confirmationTimeoutMs(machine: string, type: CommandType): number | undefined;
  /** Carries out a machine command through the machine's running collector. */
  control(machine: string, command: MachineCommand, signal: AbortSignal): Promise<CommandResult>;
  /** What the machine's state proves of a command that may have reached it (undefined: unknown). */
  verify(machine: string, command: MachineCommand, signal: AbortSignal): Promise<CommandResult | undefined>;
  /** The machine's printing presets, when its collector reads them (undefined otherwise). */
  presets(machine: string, signal: AbortSignal): Promise<PrintingPreset[]> | undefined;
  /** `check_configuration`: the machine's connection test, and what it found. */
  checkConfiguration(machine: string, signal: AbortSignal): Promise<CommandResult & { ok: boolean }>;
}

/** How long a command may take on its machine before it counts as failed. */
const EXECUTE_TIMEOUT_MS = 120_000;

export const INTERRUPTED = 'interrupted, state unknown: check the machine';

/**
 * Runs the received commands one at a time, at most once each:
 * 1. a command Echo cannot or may not run is `rejected` without touching the machine;
 * 2. `processing` is written to the store (fsynced) before anything else, so a crash from here on
 *    never leads to a second execution (see `CommandQueue.interrupted`);
 * 3. the cloud must acknowledge `processing` before the machine is touched: a command it withdrew
 *    meanwhile (409, 404) is not run;
 * 4. the machine executes, and the outcome is stored; the reporter tells the cloud.
 */
export class CommandRunner {
  constructor(
    private readonly deps: {
      ctx: SyncContext;
      executor: CommandExecutor;
      /**
       * Downloads a start_job's file (build-file or machine_job_file) just before it is sent;
       * undefined where files cannot be fetched.
       */
      jobFile?(
        command: CloudCommand,
        stored: StoredCommand,
        signal: AbortSignal,
      ): Promise<{ path: string; name: string }>;
      /** Removes what `jobFile` left for a command once it ended. */
      forgetJobFile?(stored: StoredCommand): void;
      /** A command ended: the reporter has news for the cloud. */
      ended(): void;
    },
  ) {}

  /** Runs one received command (see the class comment); the caller picks it (CommandEngine). */
  async run(stored: StoredCommand, signal: AbortSignal): Promise<void> {
    const { store } = this.deps.ctx;
    const command = cloudCommand.safeParse(JSON.parse(stored.payload));
    const type = command.success ? command.data.type : stored.type;
    const refusal = !command.success
      ? { code: 'invalid' as const, message: 'the command does not match the contract' }
      : !isCommandType(type)
        ? { code: 'unsupported_command' as const, message: `Echo does not know the command type "${type}"` }
        : this.deps.executor.refusal(stored.machine, type);
    if (refusal) {
      this.end(stored, 'received', 'rejected', { error: refusal.code, message: refusal.message });
      return;
    }
    const confirmMs =
      stored.confirmedAt === undefined && isCommandType(type)
        ? this.deps.executor.confirmationTimeoutMs(stored.machine, type)
        : undefined;
    if (confirmMs !== undefined) {
      // Nothing is said to the cloud yet: `processing` comes when the operator confirms.
      if (
        store.commands.transition(stored.id, 'received', 'awaiting_confirmation', {
          confirmBy: this.deps.ctx.clock.now() + confirmMs,
        })
      ) {
        this.deps.ctx.logger.warn(
          {
            machine: stored.machine,
            command: stored.uri,
            type,
            confirm_within_s: Math.round(confirmMs / 1000),
          },
          'remote command awaits confirmation at the workstation',
        );
      }
      return;
    }
    if (!store.commands.transition(stored.id, 'received', 'processing')) return;
    const started = store.commands.get(stored.id)!;
    const ack = await this.acknowledged(started, signal);
    if (ack === 'stopping') {
      // Nothing reached the machine: the command waits for the next start, as it came.
      store.commands.transition(stored.id, 'processing', 'received');
      return;
    }
    if (ack !== 'ok') {
      this.end(started, 'processing', 'rejected', { error: 'withdrawn', message: ack }, true);
      return;
    }
    this.deps.ctx.logger.info(
      { machine: stored.machine, command: stored.uri, type },
      'remote command executing',
    );
    const outcome = await this.execute(started, command.data!, signal).finally(() =>
      this.deps.forgetJobFile?.(started),
    );
    this.end(started, 'processing', outcome.ok ? 'complete' : 'error', outcome.response);
    return;
  }

  /**
   * Reports `processing` until the cloud takes it. 'ok', 'stopping', or why the command is not to
   * be run (the cloud withdrew it, or already shows another status).
   */
  private async acknowledged(command: StoredCommand, signal: AbortSignal): Promise<string> {
    const { ctx } = this.deps;
    while (!signal.aborted) {
      const outcome = await reportStatus(ctx, command, 'processing', signal);
      if (outcome.kind === 'acknowledged') {
        ctx.store.commands.markReported(command.id, 'processing');
        return 'ok';
      }
      if (outcome.kind === 'cloud_has') {
        return `the cloud shows this command as ${outcome.status}: it was not run`;
      }
      if (outcome.kind === 'gone') return `the cloud no longer offers this command (${outcome.reason})`;
      // 'later': the gate holds the next try back.
      await ctx.clock.sleep(ctx.config.sync.backoff_initial_ms, signal);
    }
    return 'stopping';
  }

  private async execute(
    stored: StoredCommand,
    command: CloudCommand,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; response: Record<string, unknown> }> {
    const machine = stored.machine;
    const timeout = AbortSignal.timeout(EXECUTE_TIMEOUT_MS);
    const both = AbortSignal.any([signal, timeout]);
    try {
      if (command.type === 'check_configuration') {
        const result = await this.deps.executor.checkConfiguration(machine, both);
        return { ok: result.ok, response: { message: result.message, ...result.reply } };
      }
      const order = machineCommandOf(command);
      if (command.type === 'start_job') {
        if (!this.deps.jobFile) throw new Error('this agent cannot fetch job files');
        order.file = await this.deps.jobFile(command, stored, both);
        this.deps.ctx.store.commands.noteJobFile(stored.id, order.file.name);
      }
      const result = await this.deps.executor.control(machine, order, both);
      return { ok: true, response: { message: result.message, ...result.reply } };
    } catch (error) {
      if (error instanceof JobFileRefused) {
        return { ok: false, response: { error: error.code, message: error.message } };
      }
      if (error instanceof CommandRefused) {
        return {
          ok: false,
          response: {
            error: error.code,
            message: error.message,
            ...(error.machineState ? { machine_state: error.machineState } : {}),
          },
        };
      }
      return {
        ok: false,
        response: { error: 'failed', message: describeError(error), job: machineCommandOf(command) },
      };
    }
  }

  private end(
    command: StoredCommand,
    from: 'received' | 'processing',
    to: 'complete' | 'error' | 'rejected',
    response: Record<string, unknown>,
    cloudAlreadyKnows = false,
  ): void {
    const { store, logger } = this.deps.ctx;
    const message = typeof response.message === 'string' ? response.message : undefined;
    if (
      !store.commands.transition(command.id, from, to, {
        response: JSON.stringify(response),
        ...(message ? { reason: message } : {}),
      })
    )
      return;
    // A command the cloud withdrew is not reported: the cloud decided its status itself.
    if (cloudAlreadyKnows) store.commands.markReported(command.id, 'error');
    const level = to === 'complete' ? 'info' : 'warn';
    logger[level](
      { machine: command.machine, command: command.uri, type: command.type, state: to, reason: message },
      `remote command ${to}`,
    );
    this.deps.ended();
  }
}
