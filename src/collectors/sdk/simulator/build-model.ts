/**
 * A powder-bed machine's build, as the OPC UA simulators play it: layers at `layersPerSecond`,
 * pause, resume, an error, idle when done. Shared by the SLM and EOS simulators; each exposes it
 * under its own node names.
 */
export class BuildModel {
  state: 'Idle' | 'Building' | 'Paused' | 'Error' = 'Idle';
  job: { name: string; layers: number; layer: number; startedAt: Date } | undefined;
  alarm = '';
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;
  /** Called when a build starts, ends or fails, with a message (the EOS simulator logs it). */
  onEvent: (message: string, severity: number) => void = () => {};

  constructor(private readonly layersPerSecond: number) {
    this.timer = setInterval(() => this.tick(), 100);
  }

  start(name: string, layers: number): void {
    this.job = { name, layers, layer: 0, startedAt: new Date() };
    this.state = 'Building';
    this.alarm = '';
    this.onEvent(`Job "${name}" started, ${layers} layers`, 200);
  }

  pause(): void {
    if (this.job) this.state = 'Paused';
  }

  resume(): void {
    if (this.job) this.state = 'Building';
  }

  fail(alarm: string): void {
    this.state = 'Error';
    this.alarm = alarm;
    this.onEvent(`Job failed: ${alarm}`, 800);
    this.job = undefined;
  }

  clear(): void {
    this.state = 'Idle';
    this.alarm = '';
  }

  get remainingSeconds(): number {
    return this.job ? (this.job.layers - this.job.layer) / this.layersPerSecond : 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    const dt = (now - this.last) / 1000;
    this.last = now;
    const job = this.job;
    if (!job || this.state !== 'Building') return;
    const before = Math.floor(job.layer);
    job.layer = Math.min(job.layers, job.layer + dt * this.layersPerSecond);
    const now100 = Math.floor(job.layer / 100);
    if (now100 > Math.floor(before / 100) && job.layer < job.layers) {
      this.onEvent(`Layer ${now100 * 100} of ${job.layers}`, 100);
    }
    if (job.layer >= job.layers) {
      this.onEvent(`Job "${job.name}" finished`, 200);
      this.job = undefined;
      this.state = 'Idle';
    }
  }
}
