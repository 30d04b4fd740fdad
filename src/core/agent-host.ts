import { describeError } from '../shared/errors.ts';
import { Agent } from './agent.ts';
import type { AgentOptions } from './agent-options.ts';
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
  /** Ends a first start that waits for its store (the shell quits before the store opened). */
  signal?: AbortSignal;
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
  private readonly stopping = new AbortController();

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
    const agent = await startCore(load, load(), options, undefined, (reason) => host?.requestRestart(reason));
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
      try {
        // A store that cannot be opened now (the disk filled meanwhile) is waited for, with the
        // API up on the same port and token, as at the first start.
        this.current = await startCore(
          this.load,
          config,
          { ...this.options, signal: this.stopping.signal },
          endpoint,
          (next) => this.requestRestart(next),
        );
      } catch (error) {
        this.stopped = true;
        if (this.stopping.signal.aborted) return;
        this.options.onFailed(error);
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
    // First: a restart that waits for its store gives up waiting.
    this.stopping.abort();
    await this.queue;
    this.stopped = true;
    await this.current.stop(); // idempotent: after a failed restart it is stopped already
  }
}

/**
 * Starts a core with `config`, through startWhenStoreOpens: a store that cannot be opened keeps the
 * local API up (on `endpoint` when given) until it opens. Each later try reads the config anew:
 * the operator may fix it while Echo waits.
 */
function startCore(
  load: () => ResolvedConfig,
  config: ResolvedConfig,
  options: HostOptions,
  endpoint: { port: number; token: string } | undefined,
  onRestart: (reason: string) => void,
): Promise<Agent> {
  const { onFailed: _onFailed, onWaiting, signal, ...agentOptions } = options;
  let tries = 0;
  return startWhenStoreOpens(
    (apiEndpoint) =>
      Agent.start({
        ...agentOptions,
        config: tries++ === 0 ? config : load(),
        ...(apiEndpoint ? { apiEndpoint } : {}),
        onRestart,
      }),
    config,
    {
      api: options.api !== false,
      stdoutLogs: options.stdoutLogs ?? false,
      ...(endpoint ? { endpoint } : {}),
      ...(onWaiting ? { onWaiting } : {}),
      ...(signal ? { signal } : {}),
    },
  );
}
