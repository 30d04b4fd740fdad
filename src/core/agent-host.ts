import { describeError } from '../shared/errors.ts';
import { Agent, type AgentOptions } from './agent.ts';
import type { ResolvedConfig } from './config/load.ts';
import { startWhenStoreOpens } from './start-when-store-opens.ts';

type HostOptions = Omit<AgentOptions, 'config' | 'onRestart' | 'apiEndpoint'> & {
  /**
   * The core could not start again after a restart (the CLI exits and a service manager or the
   * desktop app starts it anew). Required: such a failure must be someone's to handle.
   */
  onFailed: (error: unknown) => void;
  /** The store could not be opened at start: the waiting local API's address (see startWhenStoreOpens). */
  onWaiting?: (api: { url: string; token: string; message: string }) => void;
};

/**
 * Runs the agent core for a shell (the CLI's `run` and `demo`, and so the desktop app's core
 * process) and restarts it in place when it asks to (settings changed in the app): the config
 * is loaded again, and the local API comes back on the same port with the same token, so an
 * open UI reconnects by itself and the desktop shell's endpoint stays valid.
 */
export class AgentHost {
  private current: Agent;
  /** Restarts and stop run one after another, never interleaved. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private restartCount = 0;

  private constructor(
    agent: Agent,
    private readonly load: () => ResolvedConfig,
    private readonly options: HostOptions,
  ) {
    this.current = agent;
  }

  /**
   * Starts the core; a store that cannot be opened (disk full, read-only or missing folder) keeps
   * the local API up with a core that says why, and is tried again until it opens (see
   * startWhenStoreOpens).
   */
  static async start(load: () => ResolvedConfig, options: HostOptions): Promise<AgentHost> {
    let host: AgentHost | undefined;
    const { onFailed: _onFailed, onWaiting, ...agentOptions } = options;
    const config = load();
    const agent = await startWhenStoreOpens(
      (endpoint) =>
        Agent.start({
          ...agentOptions,
          // Read again at each try: the operator may fix the config while Echo waits.
          config: endpoint ? load() : config,
          ...(endpoint ? { apiEndpoint: endpoint } : {}),
          onRestart: (reason) => host?.requestRestart(reason),
        }),
      config,
      {
        api: options.api !== false,
        stdoutLogs: options.stdoutLogs ?? false,
        ...(onWaiting ? { onWaiting } : {}),
      },
    );
    host = new AgentHost(agent, load, options);
    return host;
  }

  /** How many restarts completed (tests and logs). */
  get restarts(): number {
    return this.restartCount;
  }

  /** The agent running now (a new object after each restart). */
  get agent(): Agent {
    return this.current;
  }

  /** Stops the agent and starts it again with the config read anew. Resolves when it runs. */
  restart(reason: string): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.stopped) return;
      const previous = this.current;
      const endpoint = previous.api ? { port: previous.api.port, token: previous.api.token } : undefined;
      let config: ResolvedConfig;
      try {
        config = this.load();
      } catch (error) {
        // The settings were validated before they were written; a config file edited meanwhile
        // can still be broken. Keep running as is rather than stop collecting.
        previous.logger.error(
          { err: describeError(error) },
          'restart skipped: the configuration does not load; fix it and change a setting again',
        );
        return;
      }
      previous.logger.info({ reason }, 'restarting the agent core');
      await previous.stop();
      const { onFailed, onWaiting: _onWaiting, ...agentOptions } = this.options;
      try {
        this.current = await Agent.start({
          ...agentOptions,
          config,
          ...(endpoint ? { apiEndpoint: endpoint } : {}),
          onRestart: (next) => this.requestRestart(next),
        });
      } catch (error) {
        this.stopped = true;
        onFailed(error);
        throw error;
      }
      this.restartCount += 1;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A restart the agent asked for: a failure is the shell's to handle (`onFailed`), not thrown. */
  private requestRestart(reason: string): void {
    this.restart(reason).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.queue;
    this.stopped = true;
    await this.current.stop(); // idempotent: after a failed restart it is stopped already
  }
}
