import type { Logger } from 'pino';
import { currentMachineScope } from './collection/machine-scope.ts';

export interface CrashGuardOptions {
  /** The running core's logger (a new one after each restart). */
  logger: () => Logger;
  /** Stops the core (storing what is pending) and starts it again in the same process. */
  restartCore: (reason: string) => Promise<void>;
  /** After a restart: the new core raises the alert and counts it. */
  recordRestart: (message: string) => void;
  /** More core failures than this within `windowMs` end the process (code 70). */
  maxRestarts?: number;
  windowMs?: number;
  exit?: (code: number) => void;
}

/** EX_SOFTWARE: an internal error; the service manager or the desktop app starts Echo anew. */
export const CRASH_EXIT_CODE = 70;

/**
 * The last resort behind every try/catch: an exception or rejection nobody handled.
 * - Thrown on behalf of a machine (a collector's listener, timer or parser: the machine scope
 *   says whose), it fails that machine alone, which backs off and reconnects; the agent and every
 *   other machine go on.
 * - Thrown by the core itself, it is logged, the core is stopped (what is pending is stored) and
 *   started again in place, and an alert says so. A core that keeps failing (more than
 *   `maxRestarts` in `windowMs`) ends the process with a last log line, never silently.
 * Installed by the shells (`run`, `demo`, and so the desktop app's core process), not by the core:
 * a test process keeps Node's own behaviour.
 */
export function installCrashGuard(options: CrashGuardOptions): () => void {
  const maxRestarts = options.maxRestarts ?? 3;
  const windowMs = options.windowMs ?? 10 * 60_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let recent: number[] = [];
  let restarting = false;

  const onFailure = (error: unknown, origin: 'uncaughtException' | 'unhandledRejection') => {
    const logger = options.logger();
    const scope = currentMachineScope();
    if (scope) {
      logger.error(
        { machine: scope.machine, err: error, origin },
        'a collector failed outside its poll: its machine fails and retries, the others go on',
      );
      scope.fault(error);
      return;
    }
    // Monotonic: a wall clock set back or forward must not empty or fill the window.
    const now = performance.now();
    recent = [...recent.filter((t) => now - t < windowMs), now];
    if (recent.length > maxRestarts) {
      logger.fatal(
        { err: error, origin, failures: recent.length, windowMinutes: windowMs / 60_000 },
        'the agent core keeps failing: exiting so that the service manager starts it afresh',
      );
      logger.flush?.();
      exit(CRASH_EXIT_CODE);
      return;
    }
    logger.fatal(
      { err: error, origin },
      'the agent core failed unexpectedly: storing what is pending and restarting it in place',
    );
    if (restarting) return;
    restarting = true;
    const message = `the agent core failed (${error instanceof Error ? error.message : String(error)}) and was restarted in place`;
    options
      .restartCore(`crash: ${origin}`)
      .then(() => options.recordRestart(message))
      .catch((restartError: unknown) => {
        options.logger().fatal({ err: restartError }, 'the agent core could not be restarted: exiting');
        exit(CRASH_EXIT_CODE);
      })
      .finally(() => {
        restarting = false;
      });
  };
  const onException = (error: unknown) => onFailure(error, 'uncaughtException');
  const onRejection = (reason: unknown) => onFailure(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
