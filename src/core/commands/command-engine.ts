import type { CommandResult, PrintingPreset } from '../../collectors/sdk/collector.ts';
import { describeError } from '../../shared/errors.ts';
import { Wakeup } from '../clock.ts';
import { cloudStatusOf, type StoredCommand } from '../store/command-queue.ts';
import { supervise } from '../sync/supervise.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { cloudCommand, isCommandType, machineCommandOf } from './cloud-command.ts';
import { CommandInbox, type CommandTarget } from './command-inbox.ts';
import { pollCommands } from './command-poll.ts';
import { reportStatus } from './command-report.ts';
import { type CommandExecutor, CommandRunner, INTERRUPTED, NOT_RUN_AFTER_STOP } from './command-runner.ts';
import { followCommandStream } from './command-stream.ts';
import { syncMachinePresets } from './preset-sync.ts';

export interface CommandEngineOptions {
  ctx: SyncContext;
  /** Signed in, registered and enabled (the sync engine's own condition). */
  active(): boolean;
  /** The machines this agent collects that the cloud knows (a modeler URI). */
  targets(): CommandTarget[];
  executor: CommandExecutor;
  /** Fetches a start_job's file (see CommandRunner); absent: start_job cannot run here. */
  jobFile?: ConstructorParameters<typeof CommandRunner>[0]['jobFile'];
  forgetJobFile?: ConstructorParameters<typeof CommandRunner>[0]['forgetJobFile'];
}

/** What the operator did with a command that awaited confirmation. */
export type ConfirmationAnswer = 'confirmed' | 'refused' | 'not_awaiting' | 'not_found';

/**
 * Remote commands end to end (docs/commands.md): received by the events stream and the poll,
 * stored first, run at most once by `CommandRunner`, reported until the cloud acknowledges.
 */
export class CommandEngine {
  readonly inbox: CommandInbox;
  private readonly runner: CommandRunner;
  private readonly runWakeup = new Wakeup();
  private readonly reportWakeup = new Wakeup();
  private readonly pollWakeup = new Wakeup();
  private readonly presetWakeup = new Wakeup();
  private readonly controller = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly options: CommandEngineOptions) {
    const { ctx } = options;
    this.inbox = new CommandInbox({
      store: ctx.store,
      logger: ctx.logger,
      targets: options.targets,
      received: () => this.runWakeup.poke(),
    });
    this.runner = new CommandRunner({
      ctx,
      executor: options.executor,
      ...(options.jobFile ? { jobFile: options.jobFile } : {}),
      ...(options.forgetJobFile ? { forgetJobFile: options.forgetJobFile } : {}),
      ended: () => this.reportWakeup.poke(),
    });
  }

  start(): void {
    const { ctx } = this.options;
    // Read before anything runs: what a dead process left `processing` is never run again.
    const interrupted = ctx.store.commands.leftProcessing();
    const signal = this.controller.signal;
    const deps = { signal, clock: ctx.clock, logger: ctx.logger };
    this.loops = [
      supervise('command-recover', (s) => this.recover(interrupted, s), deps),
      supervise('command-stream', (s) => this.followStream(s), deps),
      supervise('command-poll', (s) => this.pollLoop(s), deps),
      supervise('command-run', (s) => this.runLoop(s), deps),
      supervise('command-report', (s) => this.reportLoop(s), deps),
      supervise('preset-sync', (s) => this.presetLoop(s), deps),
    ];
  }

  /**
   * Ends each command a dead process left running. One whose `processing` the cloud had not
   * acknowledged never reached the machine (it is touched only after that): `error` `not_run`.
   * Otherwise `complete` when the machine's state proves it took effect (the job is paused…),
   * else `error` "interrupted, state unknown: check the machine". Nothing is sent to the machine.
   * A stop before the end leaves them for the next start.
   */
  private async recover(commands: readonly StoredCommand[], signal: AbortSignal): Promise<void> {
    const { ctx, executor } = this.options;
    for (const command of commands) {
      if (signal.aborted) return;
      if (command.reported === undefined) {
        // Not run now either: its `processing` may have reached the cloud with the answer lost in
        // the crash, which cannot be told from another agent's (see CommandRunner.acknowledged).
        if (
          ctx.store.commands.transition(command.id, 'processing', 'error', {
            response: JSON.stringify({ error: 'not_run', message: NOT_RUN_AFTER_STOP }),
            reason: NOT_RUN_AFTER_STOP,
          })
        ) {
          ctx.logger.warn(
            { machine: command.machine, command: command.uri, type: command.type },
            `remote command ${NOT_RUN_AFTER_STOP}`,
          );
        }
        continue;
      }
      let proof: CommandResult | undefined;
      const parsed = cloudCommand.safeParse(JSON.parse(command.payload));
      if (parsed.success && isCommandType(parsed.data.type) && parsed.data.type !== 'check_configuration') {
        try {
          const order = machineCommandOf(parsed.data);
          // A start_job's file is not kept: its name is what the machine shows the job as.
          if (command.jobFileName) order.file = { path: '', name: command.jobFileName };
          proof = await executor.verify(command.machine, order, signal);
        } catch (error) {
          ctx.logger.debug(
            { command: command.uri, reason: describeError(error) },
            'the machine could not tell',
          );
        }
      }
      if (signal.aborted) return;
      const response = proof
        ? { message: proof.message, ...proof.reply }
        : { error: 'interrupted', message: INTERRUPTED };
      if (
        ctx.store.commands.transition(command.id, 'processing', proof ? 'complete' : 'error', {
          response: JSON.stringify(response),
          reason: response.message,
        })
      ) {
        ctx.logger.warn(
          { machine: command.machine, command: command.uri, type: command.type },
          proof ? `remote command interrupted, and ${proof.message}` : `remote command ${INTERRUPTED}`,
        );
      }
    }
    this.reportWakeup.poke();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
  }

  /**
   * The operator's answer at the workstation (UI, tray, local API) to a command awaiting it:
   * confirmed, it starts (the cloud hears `processing` then); refused, it ends as error.
   */
  answer(id: number, confirm: boolean): ConfirmationAnswer {
    const { store, logger } = this.options.ctx;
    const command = store.commands.get(id);
    if (!command) return 'not_found';
    if (confirm) {
      if (!store.commands.confirm(id)) return 'not_awaiting';
      logger.info(
        { machine: command.machine, command: command.uri, type: command.type },
        'remote command confirmed at the workstation',
      );
      this.runWakeup.poke();
    } else {
      const response = {
        error: 'refused_at_workstation',
        message: 'refused at the workstation by the operator',
      };
      if (
        !store.commands.transition(id, 'awaiting_confirmation', 'rejected', {
          response: JSON.stringify(response),
          reason: response.message,
        })
      )
        return 'not_awaiting';
      logger.warn(
        { machine: command.machine, command: command.uri, type: command.type },
        'remote command refused at the workstation',
      );
      this.reportWakeup.poke();
    }
    return confirm ? 'confirmed' : 'refused';
  }

  /** Commands awaiting confirmation whose time ran out end as error, never run. */
  private expireConfirmations(): void {
    const { store, clock, logger } = this.options.ctx;
    const due = store.commands.confirmationsDue(clock.now());
    for (const command of due) {
      const response = { error: 'not_confirmed', message: 'not confirmed at the workstation in time' };
      if (
        store.commands.transition(command.id, 'awaiting_confirmation', 'rejected', {
          response: JSON.stringify(response),
          reason: response.message,
        })
      ) {
        logger.warn(
          { machine: command.machine, command: command.uri, type: command.type },
          'remote command not confirmed in time',
        );
      }
    }
    if (due.length > 0) {
      this.reportWakeup.poke();
    }
  }

  private async presetLoop(signal: AbortSignal): Promise<void> {
    const { ctx } = this.options;
    while (!signal.aborted) {
      if (this.options.active()) {
        for (const target of this.options.targets()) {
          if (signal.aborted) return;
          let presets: PrintingPreset[] | undefined;
          try {
            presets = await this.options.executor.presets(target.machine, signal);
          } catch (error) {
            ctx.logger.debug(
              { machine: target.machine, reason: describeError(error) },
              'presets not read this round',
            );
            continue;
          }
          if (!presets) continue;
          const changes = await syncMachinePresets(ctx, target, presets, signal);
          if (changes && changes.created.length + changes.updated.length + changes.deactivated.length > 0)
            ctx.logger.info(
              { machine: target.machine, ...changes },
              'printing presets synced with the cloud',
            );
        }
      }
      await this.presetWakeup.wait(ctx.clock, ctx.config.intervals.preset_sync * 1000, signal);
    }
  }

  private followStream(signal: AbortSignal): Promise<void> {
    return followCommandStream({
      ctx: this.options.ctx,
      inbox: this.inbox,
      active: this.options.active,
      connected: () => this.pollWakeup.poke(),
      signal,
    });
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    const { ctx } = this.options;
    while (!signal.aborted) {
      if (this.options.active()) await pollCommands(ctx, this.options.targets(), this.inbox, signal);
      await this.pollWakeup.wait(ctx.clock, ctx.config.intervals.command_poll * 1000, signal);
    }
  }

  /**
   * Starts received commands, one at a time per machine and machines side by side: a start_job
   * waiting minutes for its file's virus scan on one machine never holds a pause on another.
   */
  private async runLoop(signal: AbortSignal): Promise<void> {
    const { ctx } = this.options;
    const running = new Map<string, Promise<void>>();
    try {
      while (!signal.aborted) {
        this.expireConfirmations();
        const next = this.options.active() ? ctx.store.commands.nextReceived([...running.keys()]) : undefined;
        if (next) {
          const run = this.runner
            .run(next, signal)
            .catch(async (error: unknown) => {
              ctx.logger.error({ err: error, command: next.uri }, 'a remote command failed unexpectedly');
              // Kept busy a moment: a command that fails before it leaves `received` is not
              // picked again in a tight loop.
              await ctx.clock.sleep(1000, signal);
            })
            .finally(() => {
              running.delete(next.machine);
              this.runWakeup.poke();
            });
          running.set(next.machine, run);
          continue;
        }
        await this.runWakeup.wait(ctx.clock, 1000, signal);
      }
    } finally {
      await Promise.allSettled(running.values());
    }
  }

  /**
   * Tells the cloud how each ended command ended: `processing` first where the cloud never heard
   * it (the only legal first report), then `complete` or `error` with the machine's reply.
   */
  private async reportLoop(signal: AbortSignal): Promise<void> {
    const { ctx } = this.options;
    while (!signal.aborted) {
      if (this.options.active()) await this.reportEnded(signal);
      await this.reportWakeup.wait(ctx.clock, ctx.config.intervals.status_report * 1000, signal);
    }
  }

  private async reportEnded(signal: AbortSignal): Promise<void> {
    const { ctx } = this.options;
    for (const command of ctx.store.commands.unreported()) {
      const final = cloudStatusOf(command.state)!;
      let step = command.reported === undefined ? ('processing' as const) : final;
      while (!signal.aborted) {
        const outcome = await reportStatus(ctx, command, step, signal);
        if (outcome.kind === 'later') return;
        if (outcome.kind === 'gone') {
          ctx.logger.warn(
            { command: command.uri, reason: outcome.reason },
            'a command status the cloud refused for good',
          );
          ctx.store.commands.markReported(command.id, final);
          break;
        }
        if (outcome.kind === 'cloud_has' && (outcome.status === 'complete' || outcome.status === 'error')) {
          // The cloud already shows the end: it is never reported again.
          ctx.store.commands.markReported(command.id, outcome.status);
          break;
        }
        ctx.store.commands.markReported(command.id, step);
        if (step === final) break;
        step = final;
      }
    }
  }
}
