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
}

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
      ended: () => this.reportWakeup.poke(),
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
      if (this.options.active() && (await this.runner.runNext(signal))) continue;
      await this.runWakeup.wait(ctx.clock, 5000, signal);
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
