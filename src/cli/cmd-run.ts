import { allCollectors } from '../collectors/all.ts';
import {
  AgentHost,
  installCrashGuard,
  loadConfigFile,
  shellProxyResolver,
  withLocalSettings,
} from '../core/index.ts';
import { describeError } from '../shared/errors.ts';
import { configPath } from './config-arg.ts';
import { err } from './output.ts';

/** `echo-agent run --config F`: the agent in the foreground until SIGTERM/SIGINT. */
export async function runCommand(flags: { config?: string }): Promise<number> {
  const file = configPath(flags.config);
  // Read again at each restart: settings changed in the app apply on top of the file.
  // In the desktop app the core asks the app for the system's proxy settings; headless, undefined.
  const systemProxy = shellProxyResolver();
  const host = await AgentHost.start(() => withLocalSettings(loadConfigFile(file)), {
    stdoutLogs: true,
    collectors: allCollectors(),
    ...(systemProxy ? { systemProxy } : {}),
    onFailed: exitAfterFailedRestart,
  });
  guardHost(host);
  return waitForSignal(host);
}

/**
 * The last resort for the shells: an exception nobody handled fails its machine, or restarts the
 * core in place (see crash-guard.ts); it never ends the process silently.
 */
export function guardHost(host: AgentHost): () => void {
  return installCrashGuard({
    logger: () => host.agent.logger,
    restartCore: (reason) => host.restart(reason),
    recordRestart: (message) => host.agent.recordCoreRestart(message),
  });
}

/** A core that cannot start again ends the process (a service manager or the desktop app restarts it). */
export function exitAfterFailedRestart(error: unknown): void {
  err(`the agent could not start again: ${describeError(error)}`);
  process.exit(1);
}

/** Drains and stops the agent on SIGTERM/SIGINT; a second signal exits at once. */
export function waitForSignal(
  agent: { stop(): Promise<void> },
  onStop?: () => Promise<void>,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        err(`${signal} again: exiting without draining`);
        process.exit(130);
      }
      stopping = true;
      void agent
        .stop()
        .then(() => onStop?.())
        .then(
          () => resolve(0),
          (error: unknown) => {
            err(`stop failed: ${String(error)}`);
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
