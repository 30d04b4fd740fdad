import { randomUUID } from 'node:crypto';
import { type CloudAnswer, VendorCloudSimulator } from '../../sdk/simulator/vendor-cloud.ts';

interface Job {
  id: string;
  name: string;
  layers: number;
  startedAt: number;
  ended?: 'COMPLETED' | 'CANCELLED' | 'FAILED';
  endedLayer?: number;
  endedAt?: number;
}

interface Device {
  id: string;
  serial: string;
  name: string;
  type: string;
  /** Overrides the computed status (a word Echo does not know, ERROR, OFFLINE). */
  status?: string;
  job?: Job;
  /** Jobs waiting in the device's queue. */
  queue: Array<{ id: string; name: string }>;
  /** Jobs that ended before the current one. */
  past: Job[];
}

export interface MarkforgedSimulatorOptions {
  serials?: string[];
  /** Real ms per layer. */
  layerMs?: number;
  accessKey?: string;
  secretKey?: string;
}

/**
 * The Eiger API v3 of one organization (`/api/v3/devices`, `/devices/<id>`, `/devices/<id>/queue`,
 * `/print_jobs`; HTTP Basic with an access key and secret) on a real HTTP server, over the shared
 * `VendorCloudSimulator` (429, outage, garbage). Jobs run layer by layer and end COMPLETED,
 * CANCELLED or FAILED.
 */
export class MarkforgedSimulator {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly devices = new Map<string, Device>();
  private readonly layerMs: number;
  /** The next `/print_jobs` request answers 429 with this Retry-After (seconds), pausing the account. */
  throttleHistory: number | undefined;
  /** Jobs per page of `/print_jobs`. */
  pageSize = 3;
  /** Every `next` of `/print_jobs` names page 1 (a faulty API whose links loop). */
  printJobsNextLoops = false;
  /** `/print_jobs` requests by the page asked (`page=N`; `first` without one): what a test counts. */
  readonly printJobPagesAsked = new Map<string, number>();

  private constructor(
    readonly cloud: VendorCloudSimulator,
    options: MarkforgedSimulatorOptions,
  ) {
    this.accessKey = options.accessKey ?? 'eiger-access-key';
    this.secretKey = options.secretKey ?? 'eiger-secret-key';
    this.layerMs = options.layerMs ?? 100;
    for (const serial of options.serials ?? ['X7-1234ABCD']) {
      this.devices.set(serial, {
        id: randomUUID(),
        serial,
        name: `printer ${serial}`,
        type: serial.split('-')[0]!,
        queue: [],
        past: [],
      });
    }
  }

  static async start(options: MarkforgedSimulatorOptions = {}): Promise<MarkforgedSimulator> {
    let sim: MarkforgedSimulator | undefined;
    const cloud = await VendorCloudSimulator.start(() => (request) => sim!.route(request));
    sim = new MarkforgedSimulator(cloud, options);
    return sim;
  }

  get apiUrl(): string {
    return `${this.cloud.url}/api/v3`;
  }

  get busy(): boolean {
    return [...this.devices.values()].some((d) => d.job && !d.job.ended && this.layer(d.job) < d.job.layers);
  }

  startJob(serial: string, name: string, layers: number): string {
    const id = randomUUID();
    const device = this.devices.get(serial)!;
    if (device.job && (device.job.ended || this.layer(device.job) >= device.job.layers))
      device.past.push(device.job);
    device.job = { id, name, layers, startedAt: Date.now() };
    return id;
  }

  endJob(serial: string, how: 'CANCELLED' | 'FAILED'): void {
    const job = this.devices.get(serial)?.job;
    if (job && !job.ended) {
      job.endedLayer = this.layer(job);
      job.ended = how;
      job.endedAt = Date.now();
    }
  }

  /** Every job that ended, on every device. */
  get finishedJobs(): Array<{ serial: string; id: string; name: string; status: string }> {
    return [...this.devices.values()].flatMap((d) =>
      [...d.past, ...(d.job ? [d.job] : [])]
        .filter((job) => job.ended || this.layer(job) >= job.layers)
        .map((job) => ({ serial: d.serial, id: job.id, name: job.name, status: job.ended ?? 'COMPLETED' })),
    );
  }

  close(): Promise<void> {
    return this.cloud.close();
  }

  private layer(job: Job): number {
    if (job.endedLayer !== undefined) return job.endedLayer;
    return Math.min(job.layers, Math.floor((Date.now() - job.startedAt) / this.layerMs));
  }

  private jobJson(job: Job) {
    const layer = this.layer(job);
    const status = job.ended ?? (layer >= job.layers ? 'COMPLETED' : 'PRINTING');
    return {
      id: job.id,
      name: job.name,
      build_name: `${job.name}.mfp`,
      status,
      progress: layer / job.layers,
      current_layer: layer,
      total_layers: job.layers,
      started_at: new Date(job.startedAt).toISOString(),
      estimated_end_at: new Date(job.startedAt + job.layers * this.layerMs).toISOString(),
      finished_at:
        status === 'PRINTING'
          ? null
          : new Date(job.endedAt ?? job.startedAt + job.layers * this.layerMs).toISOString(),
    };
  }

  private deviceJson(device: Device) {
    const job = device.job ? this.jobJson(device.job) : null;
    const status =
      device.status ??
      (job?.status === 'PRINTING' ? 'PRINTING' : job?.status === 'FAILED' ? 'ERROR' : 'IDLE');
    return {
      id: device.id,
      name: device.name,
      serial: device.serial,
      type: device.type,
      status,
      firmware_version: '2024.3.1',
      active_job: job,
      material: 'Onyx',
    };
  }

  /** `GET /print_jobs[?device=<id>]`: newest first, `page` by `pageSize`, `next` an absolute URL. */
  private printJobs(query: URLSearchParams): CloudAnswer {
    if (this.throttleHistory !== undefined) {
      const seconds = this.throttleHistory;
      this.throttleHistory = undefined;
      this.cloud.rateLimit(seconds);
      return { status: 429, body: { detail: 'Throttled' }, headers: { 'retry-after': String(seconds) } };
    }
    const asked = query.get('page') ?? 'first';
    this.printJobPagesAsked.set(asked, (this.printJobPagesAsked.get(asked) ?? 0) + 1);
    const wanted = query.get('device');
    const all = [...this.devices.values()]
      .filter((d) => wanted === null || d.id === wanted)
      .flatMap((d) =>
        [...d.past, ...(d.job ? [d.job] : [])].map((job) => ({ ...this.jobJson(job), device: d.id })),
      )
      .sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const slice = all.slice((page - 1) * this.pageSize, page * this.pageSize);
    const next = new URLSearchParams(query);
    next.set('page', String(this.printJobsNextLoops ? 1 : page + 1));
    return {
      status: 200,
      body: {
        count: all.length,
        next: page * this.pageSize < all.length ? `${this.apiUrl}/print_jobs?${next}` : null,
        results: slice,
      },
    };
  }

  private route(request: {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: Record<string, string | string[] | undefined>;
  }): CloudAnswer {
    const expected = `Basic ${Buffer.from(`${this.accessKey}:${this.secretKey}`).toString('base64')}`;
    if (request.headers.authorization !== expected)
      return { status: 401, body: { detail: 'Invalid credentials' } };
    const { method, path } = request;
    if (method !== 'GET') return { status: 405, body: { detail: 'Method not allowed' } };
    if (path === '/api/v3/devices')
      return { status: 200, body: [...this.devices.values()].map((d) => this.deviceJson(d)) };
    if (path === '/api/v3/print_jobs') return this.printJobs(request.query);
    const one = /^\/api\/v3\/devices\/([^/]+)(\/queue)?$/.exec(path);
    const device = one ? [...this.devices.values()].find((d) => d.id === one[1]) : undefined;
    if (device && one?.[2]) return { status: 200, body: device.queue };
    if (device) return { status: 200, body: this.deviceJson(device) };
    return { status: 404, body: { detail: 'Not found' } };
  }
}
