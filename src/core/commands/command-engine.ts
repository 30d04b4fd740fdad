import { Wakeup } from '../clock.ts';
import { cloudStatusOf } from '../store/command-queue.ts';
import { supervise } from '../sync/supervise.ts';
import type { SyncContext } from '../sync/sync-context.ts';
import { CommandInbox, type CommandTarget } from './command-inbox.ts';
import { pollCommands } from './command-poll.ts';
import { reportStatus } from './command-report.ts';
import { type CommandExecutor, CommandRunner, INTERRUPTED } from './command-runner.ts';
import { followCommandStream } from './command-stream.ts';

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
  /** A command started or stopped waiting for the operator. */
  onAwaitingChange?(): void;
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
      awaiting: () => options.onAwaitingChange?.(),
    });
  }

  start(): void {
    const { ctx } = this.options;
    // Before anything runs: what a dead process left `processing` is never run again.
    const interrupted = ctx.store.commands.interrupted(
      INTERRUPTED,
      JSON.stringify({ error: 'interrupted', message: INTERRUPTED }),
    );
    for (const command of interrupted) {
      ctx.logger.warn(
        { machine: command.machine, command: command.uri, type: command.type },
        `remote command ${INTERRUPTED}`,
      );
    }
    const signal = this.controller.signal;
    const deps = { signal, clock: ctx.clock, logger: ctx.logger };
    this.loops = [
      supervise('command-stream', (s) => this.followStream(s), deps),
      supervise('command-poll', (s) => this.pollLoop(s), deps),
      supervise('command-run', (s) => this.runLoop(s), deps),
      supervise('command-report', (s) => this.reportLoop(s), deps),
    ];
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
    this.options.onAwaitingChange?.();
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
      this.options.onAwaitingChange?.();
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

  private async runLoop(signal: AbortSignal): Promise<void> {
    const { ctx } = this.options;
    while (!signal.aborted) {
      this.expireConfirmations();
      if (this.options.active() && (await this.runner.runNext(signal))) continue;
      await this.runWakeup.wait(ctx.clock, 1000, signal);
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
