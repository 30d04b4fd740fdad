/**
 * Aborts `signal` when no byte came for `ms` since the last `touch()`: a connection a NAT or proxy
 * dropped without a word stays open on this side for ever, and a read on it never ends. The command
 * stream and the downloads to a file both use it; each calls `touch()` once when the watch should
 * start and again on every chunk, and `stop()` when done. Nothing runs before the first `touch()`.
 */
export class IdleWatch {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly signal = this.controller.signal;

  /** `reason` words the abort's error; by default in whole seconds, as the stream logs it. */
  constructor(
    private readonly ms: number,
    private readonly reason: (ms: number) => string = (idle) =>
      `nothing came for ${Math.round(idle / 1000)} s`,
  ) {}

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new Error(this.reason(this.ms))), this.ms);
    // The watched connection keeps the process alive while it is open; this timer never should.
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
