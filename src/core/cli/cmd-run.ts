import { allCollectors } from '../../collectors/all.ts';
import { Agent } from '../agent.ts';
import { loadConfigFile } from '../config/load.ts';
import { configPath } from './config-arg.ts';
import { err } from './output.ts';

/** `echo-agent run --config F`: the agent in the foreground until SIGTERM/SIGINT. */
export async function runCommand(flags: { config?: string }): Promise<number> {
  const config = loadConfigFile(configPath(flags.config));
  const agent = await Agent.start({ config, stdoutLogs: true, collectors: allCollectors() });
  return waitForSignal(agent);
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
