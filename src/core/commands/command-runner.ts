import type { CommandResult, MachineCommand, PrintingPreset } from '../../collectors/sdk/collector.ts';
import { CommandRefused } from '../../collectors/sdk/command-refused.ts';
import { describeError } from '../../shared/errors.ts';
import type { CommandType } from '../../shared/model/commands.ts';
import type { StoredCommand } from '../store/command-queue.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { type CloudCommand, cloudCommand, isCommandType, machineCommandOf } from './cloud-command.ts';
import { reportStatus } from './command-report.ts';
import { JobFileRefused } from './job-file.ts';

/**
 * Why a stored command fails the contract: what the inbox found on receipt (`invalid`, kept with
 * the payload) or else what the stored payload shows.
 */
function invalidIssues(
  payload: unknown,
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): string[] {
  const kept = (payload as { invalid?: unknown } | null)?.invalid;
  if (Array.isArray(kept) && kept.every((i) => typeof i === 'string')) return kept.slice(0, 3);
  return issues.slice(0, 3).map((i) => `${i.path.join('.') || 'the command'}: ${i.message}`);
}

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

/** How `processing` went: the machine may be touched only after `ok`. */
type Acknowledgement =
  | { kind: 'ok' }
  /** The agent is stopping and the cloud never took `processing`: the command waits for the next start. */
  | { kind: 'stopping' }
  /** The cloud withdrew the command or another agent took it: not run, not reported. */
  | { kind: 'withdrawn'; message: string }
  /** Whether the cloud took Echo's `processing` is unknown: not run, reported as error. */
  | { kind: 'not_run'; message: string };

export const INTERRUPTED = 'interrupted, state unknown: check the machine';

/** A command stopped while the cloud was being told `processing`, with no answer. */
export const NOT_RUN_AFTER_STOP =
  'not run: Echo stopped while the cloud was being told it starts, with no answer; to be sure it never runs twice, it was not run after the restart. Send it again if it is still wanted';

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
    const payload: unknown = JSON.parse(stored.payload);
    const command = cloudCommand.safeParse(payload);
    const type = command.success ? command.data.type : stored.type;
    const refusal = !command.success
      ? {
          code: 'invalid' as const,
          message: `the command does not match the contract (${invalidIssues(payload, command.error.issues).join('; ')}): it was not run`,
        }
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
    if (ack.kind === 'stopping') {
      // Nothing reached the machine: the command waits for the next start, as it came.
      store.commands.transition(stored.id, 'processing', 'received');
      return;
    }
    if (ack.kind === 'withdrawn') {
      this.end(started, 'processing', 'rejected', { error: 'withdrawn', message: ack.message }, true);
      return;
    }
    if (ack.kind === 'not_run') {
      // The reporter tells the cloud: `processing` first where it may not have it, then `error`.
      this.end(started, 'processing', 'error', { error: 'not_run', message: ack.message });
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
   * Reports `processing` until the cloud takes it; otherwise why the command is not to be run.
   *
   * A `processing` report whose answer was lost may have been taken: the next try then finds the
   * cloud showing `processing` (409). Whether that was Echo's own report or another agent's cannot
   * be told apart, so the command is not run (at most once), and the cloud is told so with
   * `error`, or it would show `processing` for ever. Without a lost answer, a command the cloud
   * already shows as `processing` was taken by someone else, and is left to them unreported.
   */
  private async acknowledged(command: StoredCommand, signal: AbortSignal): Promise<Acknowledgement> {
    const { ctx } = this.deps;
    let answerLost = false;
    while (!signal.aborted) {
      const outcome = await reportStatus(ctx, command, 'processing', signal);
      if (outcome.kind === 'acknowledged') {
        ctx.store.commands.markReported(command.id, 'processing');
        return { kind: 'ok' };
      }
      if (outcome.kind === 'cloud_has') {
        if (outcome.status === 'processing' && answerLost) {
          return {
            kind: 'not_run',
            message:
              'not run: the answer to "processing" was lost, and the cloud then showed the command as processing already; to be sure it never runs twice, Echo did not run it. Send it again if it is still wanted',
          };
        }
        return {
          kind: 'withdrawn',
          message: `the cloud shows this command as ${outcome.status}: it was not run`,
        };
      }
      if (outcome.kind === 'gone') {
        return { kind: 'withdrawn', message: `the cloud no longer offers this command (${outcome.reason})` };
      }
      answerLost ||= outcome.maybeApplied;
      if (signal.aborted) break;
      // 'later': the gate holds the next try back.
      await ctx.clock.sleep(ctx.config.sync.backoff_initial_ms, signal);
    }
    return answerLost ? { kind: 'not_run', message: NOT_RUN_AFTER_STOP } : { kind: 'stopping' };
  }

  private async execute(
    stored: StoredCommand,
    command: CloudCommand,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; response: Record<string, unknown> }> {
    const machine = stored.machine;
    const limits = this.deps.ctx.config.commands;
    // The machine's part is bounded on its own: a job file's download has its own limits (the
    // virus-scan wait, idle and total timeouts), and sending a large file takes longer than a pause.
    const onMachine = () =>
      AbortSignal.any([
        signal,
        AbortSignal.timeout((command.type === 'start_job' ? limits.start_timeout : limits.timeout) * 1000),
      ]);
    try {
      if (command.type === 'check_configuration') {
        const result = await this.deps.executor.checkConfiguration(machine, onMachine());
        return { ok: result.ok, response: { message: result.message, ...result.reply } };
      }
      const order = machineCommandOf(command);
      if (command.type === 'start_job') {
        if (!this.deps.jobFile) throw new Error('this agent cannot fetch job files');
        order.file = await this.deps.jobFile(command, stored, signal);
        this.deps.ctx.store.commands.noteJobFile(stored.id, order.file.name);
      }
      const result = await this.deps.executor.control(machine, order, onMachine());
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
