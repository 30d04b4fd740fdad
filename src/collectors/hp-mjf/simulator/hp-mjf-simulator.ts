import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from '../../sdk/simulator/loopback-http-server.ts';

export type HpMjfFault = 'silence' | 'garbage' | 'oversized' | 'error500' | null;

interface SimJob {
  id: string;
  name: string;
  state: 'warming_up' | 'printing' | 'cooling' | 'completed' | 'aborted';
  layers: number;
  /** Simulated seconds since the job started. */
  elapsed: number;
}

export interface HpMjfSimulatorOptions {
  /** Simulated seconds per real second. */
  speed?: number;
  /** Required Basic credentials, when set. */
  auth?: { username: string; password: string };
  /** Simulated seconds of each phase (default PHASES). */
  phases?: Partial<Record<keyof typeof PHASES, number>>;
}

/** Simulated seconds of each phase of a job. */
export const PHASES = { warmUp: 60, perLayer: 10, cooling: 300 } as const;

/**
 * An HP Multi Jet Fusion printer serving exactly the assumed API of `../assumed-api.ts` on a real
 * HTTP server on 127.0.0.1: `GET /api/v1/status`. A job warms up, prints its layers, cools, and ends
 * `completed`; agents and powder are used up while printing. Tests override the state word (any
 * word, or none), leave fields out (`omit`), add alerts, and set the faults silence, garbage, an
 * oversized answer and a 500.
 */
export class HpMjfSimulator {
  readonly serial = 'SG-MJF-5200-0815';
  readonly alerts: Array<{ code: string; severity: string; message: string }> = [];
  /** A state word to send instead of the simulated one (`undefined`: leave the field out). */
  stateOverride: { value: string | undefined } | null = null;
  /** Top-level fields left out of the answer. */
  readonly omit = new Set<string>();
  requests = 0;
  private fault: HpMjfFault = null;
  private readonly hanging = new Set<ServerResponse>();
  private job: SimJob | undefined;
  private jobs = 0;
  private readonly levels = { fusing_agent: 87, detailing_agent: 74, powder: 62, cleaning_roll: 91 };
  private lastTick = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly phases: { warmUp: number; perLayer: number; cooling: number };

  private constructor(
    private readonly server: LoopbackHttpServer,
    private readonly options: HpMjfSimulatorOptions,
  ) {
    this.phases = { ...PHASES, ...options.phases };
    this.timer = setInterval(() => this.tick(), 50);
  }

  static async start(options: HpMjfSimulatorOptions = {}): Promise<HpMjfSimulator> {
    let sim: HpMjfSimulator | undefined;
    const server = await LoopbackHttpServer.start((req, res) => sim!.handle(req, res));
    sim = new HpMjfSimulator(server, options);
    return sim;
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  get busy(): boolean {
    return this.job !== undefined && !['completed', 'aborted'].includes(this.job.state);
  }

  /** Starts a job; returns its id, or undefined when the printer is busy. */
  startJob(name: string, layers = 40): string | undefined {
    if (this.busy) return undefined;
    this.jobs++;
    const id = `J${String(1000 + this.jobs)}`;
    this.job = { id, name, state: 'warming_up', layers, elapsed: 0 };
    return id;
  }

  abortJob(): void {
    if (this.job && this.busy) this.job.state = 'aborted';
  }

  setFault(fault: HpMjfFault): void {
    this.fault = fault;
    if (fault !== 'silence') {
      for (const res of this.hanging) res.destroy();
      this.hanging.clear();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const res of this.hanging) res.destroy();
    await this.server.close();
  }

  private tick(): void {
    const now = performance.now();
    const dt = ((now - this.lastTick) / 1000) * (this.options.speed ?? 1);
    this.lastTick = now;
    const job = this.job;
    if (!job || !this.busy) return;
    job.elapsed += dt;
    const printEnd = this.phases.warmUp + job.layers * this.phases.perLayer;
    if (job.elapsed < this.phases.warmUp) job.state = 'warming_up';
    else if (job.elapsed < printEnd) {
      job.state = 'printing';
      this.levels.fusing_agent = Math.max(0, this.levels.fusing_agent - dt * 0.001);
      this.levels.powder = Math.max(0, this.levels.powder - dt * 0.002);
    } else if (job.elapsed < printEnd + this.phases.cooling) job.state = 'cooling';
    else job.state = 'completed';
  }

  /** The status document, as the assumed API defines it. */
  status(): Record<string, unknown> {
    const job = this.job;
    const printing = job ? Math.max(0, job.elapsed - this.phases.warmUp) : 0;
    const layer = job ? Math.min(job.layers, Math.floor(printing / this.phases.perLayer)) : 0;
    const state = job && this.busy ? job.state : 'idle';
    const total = job ? this.phases.warmUp + job.layers * this.phases.perLayer + this.phases.cooling : 0;
    const doc: Record<string, unknown> = {
      printer: { serial: this.serial, model: 'HP Jet Fusion 5200', firmware: '5.12.0.3', name: 'MJF hall 1' },
      state,
      job: job
        ? {
            id: job.id,
            name: job.name,
            state: job.state === 'warming_up' ? 'printing' : job.state,
            progress: Math.round((layer / job.layers) * 1000) / 10,
            current_layer: layer,
            total_layers: job.layers,
            elapsed_s: Math.round(job.elapsed),
            remaining_s: Math.max(0, Math.round(total - job.elapsed)),
          }
        : null,
      materials: Object.entries(this.levels).map(([slot, level]) => ({
        slot,
        name: slot === 'powder' ? 'HP 3D High Reusability PA 12' : slot.replace('_', ' '),
        level_percent: Math.round(level * 10) / 10,
      })),
      alerts: this.alerts,
    };
    if (this.stateOverride) {
      if (this.stateOverride.value === undefined) delete doc.state;
      else doc.state = this.stateOverride.value;
    }
    for (const field of this.omit) delete doc[field];
    return doc;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    if (this.fault === 'silence') {
      this.hanging.add(res);
      return;
    }
    if (this.options.auth) {
      const expected = `Basic ${Buffer.from(`${this.options.auth.username}:${this.options.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="printer"' });
        res.end();
        return;
      }
    }
    if (this.fault === 'error500') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
      return;
    }
    if (this.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"printer": {"serial": "SG-');
      return;
    }
    if (this.fault === 'oversized') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 64 && !res.destroyed; i++) res.write(chunk);
      res.end('{}');
      return;
    }
    if (req.method === 'GET' && req.url === '/api/v1/status') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.status()));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  }
}
