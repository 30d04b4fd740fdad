import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from '../../sdk/simulator/loopback-http-server.ts';

export type JeniFault = 'silence' | 'garbage' | null;

/** A preset's details as the (assumed) API shows them. */
export interface SimPreset {
  id: string;
  name: string;
  material: string;
  steps: Array<
    { type: 'print' | 'wash' | 'cure'; name: string; duration_s: number } & Record<string, unknown>
  >;
}

interface SimJob {
  id: string;
  name: string;
  preset: SimPreset;
  state: string;
  stepIndex: number;
  /** Simulated seconds into the current step. */
  stepElapsed: number;
  elapsed: number;
  startedAt: string;
  /** The bay it is in, while it runs. */
  bay: string | undefined;
  pausedFrom?: string;
}

interface SimBay {
  id: string;
  kind: 'printer' | 'wash' | 'cure';
  name: string;
}

export interface ReceivedCommand {
  method: string;
  path: string;
  body?: unknown;
  file?: { name: string; size: number; sha256: string };
}

export interface SimulatorOptions {
  /** Simulated seconds per real second. */
  speed?: number;
}

const STEP_STATE = { print: 'printing', wash: 'washing', cure: 'curing' } as const;
const BAY_OF_STEP = { print: 'printer', wash: 'wash', cure: 'cure' } as const;
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/** The presets a JENI cell ships with, in this model. */
export function defaultPresets(): SimPreset[] {
  return [
    {
      id: 'p-dl110-cap',
      name: 'Durable DL110 HB Bottle Cap',
      material: 'Durable DL110 HB',
      steps: [
        { type: 'print', name: 'Print', duration_s: 1800, resin: 'Durable DL110 HB', layer_height_mm: 0.1 },
        { type: 'wash', name: 'Wash', duration_s: 300, fluid: 'Photocentric Resin Cleaner' },
        { type: 'cure', name: 'Cure', duration_s: 1800, temperature_c: 60 },
      ],
    },
    {
      id: 'p-hgr-bracket',
      name: 'Hard Grey Bracket',
      material: 'Daylight Hard Grey',
      steps: [
        { type: 'print', name: 'Print', duration_s: 2400, resin: 'Daylight Hard Grey', layer_height_mm: 0.1 },
        { type: 'wash', name: 'Wash', duration_s: 240, fluid: 'IPA' },
        { type: 'cure', name: 'Cure', duration_s: 1200, temperature_c: 40 },
      ],
    },
  ];
}

/**
 * A JENI cell as Echo's assumed API models it (see ../protocol.ts), on a real HTTP server: two
 * printer bays, a wash and a cure bay; a job moves print → wash → cure → completed, can be paused,
 * resumed and cancelled; uploads and new jobs; presets a test adds, changes and removes at run time;
 * bay states a test overrides (words Echo does not know, errors, offline); silence and garbage.
 */
export class JeniSimulator {
  readonly serial = 'JENI-0042';
  readonly bays: SimBay[] = [
    { id: 'P1', kind: 'printer', name: 'Printer 1' },
    { id: 'P2', kind: 'printer', name: 'Printer 2' },
    { id: 'W1', kind: 'wash', name: 'Wash' },
    { id: 'C1', kind: 'cure', name: 'Cure' },
  ];
  presets: SimPreset[] = defaultPresets();
  /** A bay's state as the cell shows it, over the simulated one (undefined: leave the field out). */
  readonly bayOverride = new Map<string, string | undefined>();
  readonly bayError = new Map<string, string>();
  readonly commandsReceived: ReceivedCommand[] = [];
  private readonly jobs = new Map<string, SimJob>();
  private readonly files = new Map<string, { name: string; size: number; sha256: string }>();
  private fault: JeniFault = null;
  private readonly hanging = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;
  private last = Date.now();

  private constructor(
    private readonly server: LoopbackHttpServer,
    private readonly speed: number,
  ) {
    this.timer = setInterval(() => this.tick(), 50);
  }

  static async start(options: SimulatorOptions = {}): Promise<JeniSimulator> {
    let sim: JeniSimulator | undefined;
    const server = await LoopbackHttpServer.start((req, res) => sim!.handle(req, res));
    sim = new JeniSimulator(server, options.speed ?? 1);
    return sim;
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  /** A job runs in the cell. */
  get busy(): boolean {
    return [...this.jobs.values()].some((j) => j.bay !== undefined);
  }

  /** A job started at the cell's screen; undefined when no printer bay is free. */
  startJob(name: string, presetName: string): string | undefined {
    const preset = this.presets.find((p) => p.name === presetName);
    const bay = this.freeBay('printer');
    if (!preset || !bay) return undefined;
    const job: SimJob = {
      id: randomUUID(),
      name,
      preset: structuredClone(preset),
      state: 'printing',
      stepIndex: 0,
      stepElapsed: 0,
      elapsed: 0,
      startedAt: new Date().toISOString(),
      bay: bay.id,
    };
    this.jobs.set(job.id, job);
    return job.id;
  }

  setFault(fault: JeniFault): void {
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

  private freeBay(kind: SimBay['kind']): SimBay | undefined {
    return this.bays.find(
      (b) =>
        b.kind === kind &&
        ![...this.jobs.values()].some((j) => j.bay === b.id) &&
        !this.bayOverride.has(b.id),
    );
  }

  private tick(): void {
    const now = Date.now();
    const dt = ((now - this.last) / 1000) * this.speed;
    this.last = now;
    for (const job of this.jobs.values()) {
      if (job.bay === undefined || job.state === 'paused') continue;
      const step = job.preset.steps[job.stepIndex]!;
      if (job.stepElapsed < step.duration_s) {
        job.stepElapsed = Math.min(step.duration_s, job.stepElapsed + dt);
        job.elapsed += dt;
        continue;
      }
      const next = job.preset.steps[job.stepIndex + 1];
      if (!next) {
        job.state = 'completed';
        job.bay = undefined;
        continue;
      }
      const bay = this.freeBay(BAY_OF_STEP[next.type]);
      if (!bay) continue; // waits in its bay for the next one to free up
      job.stepIndex++;
      job.stepElapsed = 0;
      job.bay = bay.id;
      job.state = STEP_STATE[next.type];
    }
  }

  private jobDoc(job: SimJob): Record<string, unknown> {
    const total = job.preset.steps.reduce((sum, s) => sum + s.duration_s, 0);
    const done =
      job.preset.steps.slice(0, job.stepIndex).reduce((sum, s) => sum + s.duration_s, 0) + job.stepElapsed;
    const ended = ['completed', 'cancelled', 'failed'].includes(job.state);
    return {
      id: job.id,
      name: job.name,
      preset: job.preset.name,
      state: job.state,
      step: job.preset.steps[job.stepIndex]!.type,
      step_index: job.stepIndex,
      steps_total: job.preset.steps.length,
      progress: job.state === 'completed' ? 100 : Math.round((done / total) * 1000) / 10,
      elapsed_s: Math.round(job.elapsed),
      remaining_s: ended ? 0 : Math.round(total - done),
      started_at: job.startedAt,
      bay: job.bay ?? null,
    };
  }

  private statusDoc(): Record<string, unknown> {
    return {
      cluster: { name: 'JENI cell', serial: this.serial, firmware: '2.3.1', model: 'JENI' },
      bays: this.bays.map((b) => {
        const job = [...this.jobs.values()].find((j) => j.bay === b.id);
        const simulated = job ? (job.state === 'paused' ? 'paused' : job.state) : 'idle';
        const doc: Record<string, unknown> = {
          id: b.id,
          kind: b.kind,
          name: b.name,
          state: this.bayOverride.has(b.id) ? this.bayOverride.get(b.id) : simulated,
          error: this.bayError.get(b.id) ?? null,
          job: job ? this.jobDoc(job) : null,
        };
        if (this.bayOverride.has(b.id) && this.bayOverride.get(b.id) === undefined) delete doc.state;
        return doc;
      }),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.fault === 'silence') {
      this.hanging.add(res);
      return;
    }
    if (this.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"cluster": {"name": "JENI"');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'api' || parts[1] !== 'v1') return this.send(res, 404, { message: 'not found' });
    const [, , resource, id, action] = parts;
    if (req.method === 'GET') {
      if (resource === 'cluster' && id === 'status') return this.send(res, 200, this.statusDoc());
      if (resource === 'presets' && id === undefined)
        return this.send(
          res,
          200,
          this.presets.map((p) => ({ id: p.id, name: p.name })),
        );
      if (resource === 'presets') {
        const preset = this.presets.find((p) => p.id === id);
        return preset ? this.send(res, 200, preset) : this.send(res, 404, { message: 'no such preset' });
      }
      if (resource === 'jobs' && id) {
        const job = this.jobs.get(id);
        return job ? this.send(res, 200, this.jobDoc(job)) : this.send(res, 404, { message: 'no such job' });
      }
      return this.send(res, 404, { message: 'not found' });
    }
    if (req.method !== 'POST') return this.send(res, 405, { message: 'method not allowed' });
    if (resource === 'files' && id === undefined) {
      const file = await readMultipartFile(req);
      if (!file) return this.send(res, 400, { message: 'no file' });
      const fileId = randomUUID();
      const record = {
        name: file.name,
        size: file.content.length,
        sha256: createHash('sha256').update(file.content).digest('hex'),
      };
      this.files.set(fileId, record);
      this.commandsReceived.push({ method: 'POST', path: url.pathname, file: record });
      return this.send(res, 201, { file_id: fileId, name: file.name, size: file.content.length });
    }
    const body = id === undefined || action === undefined ? await readJson(req) : undefined;
    this.commandsReceived.push({
      method: 'POST',
      path: url.pathname,
      ...(body !== undefined ? { body } : {}),
    });
    if (resource === 'jobs' && id === undefined) {
      const { file_id, preset_id, name } = (body ?? {}) as Record<string, string>;
      const preset = this.presets.find((p) => p.id === preset_id);
      if (!preset) return this.send(res, 400, { message: 'unknown preset' });
      if (!file_id || !this.files.has(file_id)) return this.send(res, 400, { message: 'unknown file' });
      const jobId = this.startJob(name ?? this.files.get(file_id)!.name, preset.name);
      if (!jobId) return this.send(res, 409, { message: 'no printer bay is free' });
      return this.send(res, 201, this.jobDoc(this.jobs.get(jobId)!));
    }
    if (resource === 'jobs' && id && action) {
      const job = this.jobs.get(id);
      if (!job) return this.send(res, 404, { message: 'no such job' });
      const running = job.bay !== undefined;
      if (action === 'pause' && running && job.state !== 'paused') {
        job.pausedFrom = job.state;
        job.state = 'paused';
      } else if (action === 'resume' && job.state === 'paused') {
        job.state = job.pausedFrom ?? 'printing';
      } else if (action === 'cancel' && running) {
        job.state = 'cancelled';
        job.bay = undefined;
      } else {
        return this.send(res, 409, { message: `cannot ${action} a job that is ${job.state}` });
      }
      return this.send(res, 200, this.jobDoc(job));
    }
    return this.send(res, 404, { message: 'not found' });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return size === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

async function readMultipartFile(
  req: IncomingMessage,
): Promise<{ name: string; content: Buffer } | undefined> {
  const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1];
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_UPLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  if (!boundary) return undefined;
  const body = Buffer.concat(chunks);
  const headEnd = body.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = body.subarray(0, headEnd).toString('utf8');
  const name = /filename="([^"]*)"/.exec(head)?.[1];
  const end = body.lastIndexOf(`\r\n--${boundary}--`);
  if (!/name="file"/.test(head) || !name || end < headEnd) return undefined;
  return { name, content: body.subarray(headEnd + 4, end) };
}
