import { randomUUID } from 'node:crypto';
import { type CloudAnswer, VendorCloudSimulator } from '../../sdk/simulator/vendor-cloud.ts';

interface Job {
  id: string;
  name: string;
  layers: number;
  startedAt: number;
  ended?: 'COMPLETED' | 'CANCELLED' | 'FAILED';
  endedLayer?: number;
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
    this.devices.get(serial)!.job = { id, name, layers, startedAt: Date.now() };
    return id;
  }

  endJob(serial: string, how: 'CANCELLED' | 'FAILED'): void {
    const job = this.devices.get(serial)?.job;
    if (job && !job.ended) {
      job.endedLayer = this.layer(job);
      job.ended = how;
    }
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

  private route(request: {
    method: string;
    path: string;
    headers: Record<string, string | string[] | undefined>;
  }): CloudAnswer {
    const expected = `Basic ${Buffer.from(`${this.accessKey}:${this.secretKey}`).toString('base64')}`;
    if (request.headers.authorization !== expected)
      return { status: 401, body: { detail: 'Invalid credentials' } };
    const { method, path } = request;
    if (method !== 'GET') return { status: 405, body: { detail: 'Method not allowed' } };
    if (path === '/api/v3/devices')
      return { status: 200, body: [...this.devices.values()].map((d) => this.deviceJson(d)) };
    if (path === '/api/v3/print_jobs') {
      return {
        status: 200,
        body: [...this.devices.values()].flatMap((d) =>
          d.job ? [{ ...this.jobJson(d.job), device: d.id }] : [],
        ),
      };
    }
    const one = /^\/api\/v3\/devices\/([^/]+)(\/queue)?$/.exec(path);
    const device = one ? [...this.devices.values()].find((d) => d.id === one[1]) : undefined;
    if (device && one?.[2]) return { status: 200, body: device.queue };
    if (device) return { status: 200, body: this.deviceJson(device) };
    return { status: 404, body: { detail: 'Not found' } };
  }
}
