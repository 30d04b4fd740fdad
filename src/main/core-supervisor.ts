/** A started core process, as both `utilityProcess.fork` and `child_process.fork` give it. */
export interface CoreProcess {
  once(event: 'exit', listener: (code: number | null) => void): unknown;
  kill(): boolean;
}

export interface SupervisorEvents {
  /** The core (re)started. */
  started(attempt: number): void;
  /** The core died; `restartInMs` undefined when the supervisor gave up (too many quick deaths). */
  died(reason: string, restartInMs: number | undefined): void;
}

const QUICK_DEATH_MS = 10_000;
const MAX_QUICK_DEATHS = 5;

/**
 * Keeps the agent core running beside the window: starts it, restarts it when it dies (after
 * 1, 2, 4 … 30 s), and gives up after five deaths within seconds of starting each (a broken
 * config does not restart forever; the window shows why). `stop()` ends it for good (quit).
 */
export class CoreSupervisor {
  private process: CoreProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private quickDeaths = 0;
  private attempt = 0;

  constructor(
    private readonly spawn: () => CoreProcess,
    private readonly events: SupervisorEvents,
    private readonly lastWords: () => string = () => '',
    /** The first restart delay; doubles with each quick death (a test shortens it). */
    private readonly baseDelayMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.launch();
  }

  /** Ends the core and every restart; resolves when it exited (or after 10 s). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const child = this.process;
    this.process = undefined;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(resolve, 10_000);
      child.once('exit', () => {
        clearTimeout(deadline);
        resolve();
      });
      child.kill();
    });
  }

  private launch(): void {
    // Monotonic: a clock step while the core runs must not make its death look quick (or slow).
    const startedAt = performance.now();
    this.attempt++;
    const child = this.spawn();
    this.process = child;
    this.events.started(this.attempt);
    child.once('exit', (code) => {
      if (this.stopped || this.process !== child) return;
      this.process = undefined;
      const quick = performance.now() - startedAt < QUICK_DEATH_MS;
      this.quickDeaths = quick ? this.quickDeaths + 1 : 0;
      const words = this.lastWords().trim();
      const reason = `the agent stopped (exit code ${code ?? 'none'})${words ? `: ${words}` : ''}`;
      if (this.quickDeaths >= MAX_QUICK_DEATHS) {
        this.events.died(reason, undefined);
        return;
      }
      const delay = Math.min(30_000, this.baseDelayMs * 2 ** Math.max(0, this.quickDeaths - 1));
      this.events.died(reason, delay);
      this.timer = setTimeout(() => this.launch(), delay);
    });
  }
}
