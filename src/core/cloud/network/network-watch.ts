import type { Logger } from 'pino';
import type { NetworkCheck } from '../../../shared/api/wire-network.ts';
import type { CloudNetwork } from './cloud-network.ts';
import { checkNetwork, logNetworkCheck } from './network-check.ts';

/** The probe's own limit: an operator waits for it in `validate-config --check-network`. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Runs the network check at start (`cloud.check_network`) and on demand, and keeps the last result
 * for `status` and the UI's header. The check never holds the agent up: sync starts beside it.
 */
export class NetworkWatch {
  private last: NetworkCheck | undefined;
  private running: Promise<NetworkCheck> | undefined;

  constructor(
    private readonly options: {
      network: CloudNetwork;
      cloudUrl: string;
      requestTimeoutMs: number;
      logger: Logger;
      now?: () => number;
    },
  ) {}

  get latest(): NetworkCheck | undefined {
    return this.last;
  }

  /** One check (a second caller while one runs gets the same). */
  check(): Promise<NetworkCheck> {
    this.running ??= checkNetwork(this.options.network, this.options.cloudUrl, {
      timeoutMs: Math.min(this.options.requestTimeoutMs, PROBE_TIMEOUT_MS),
      ...(this.options.now ? { now: this.options.now } : {}),
    })
      .then((result) => {
        this.last = result;
        logNetworkCheck(this.options.logger, result);
        return result;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** The check at start: its failure is a log line, never an unhandled rejection. */
  checkAtStart(): void {
    this.check().catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'the network check at start failed'),
    );
  }
}
