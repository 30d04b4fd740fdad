import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from '../../sdk/simulator/loopback-http-server.ts';

export type PhotocentricFault = 'silence' | 'garbage' | null;

/** A resin profile as Photonic3D's slicing profile holds it (`InkConfig`). */
export interface Ink {
  Name: string;
  SliceHeight: number;
  LayerTime: number;
  FirstLayerTime: number;
  NumberofBottomLayers: number;
  ResinPriceL: number;
}

interface Job {
  id: string;
  jobName: string;
  status: string;
  totalSlices: number;
  /** Fractional while printing; shown floored. */
  slice: number;
  startTime: number;
  elapsedMs: number;
  errorDescription: string | null;
}

/** A request that changed something on the host, in the order received. */
export interface ReceivedCommand {
  method: string;
  path: string;
  /** The upload's file. */
  file?: { name: string; size: number; sha256: string };
}

export interface SimulatorOptions {
  /** Simulated seconds per real second. */
  speed?: number;
  /** The printer's name in Photonic3D. */
  printer?: string;
  /** Exposure + lift per slice, simulated ms. */
  sliceMs?: number;
  /** Slices of a job started from an upload. */
  uploadSlices?: number;
  /** How long the printer stays `Cancelling` after `stopJob`, real ms. */
  cancellingMs?: number;
}

const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/**
 * A Photocentric printer's Photonic3D host as its REST API shows it, on a real HTTP server
 * (`/services/...`): one printer with a slicing profile and its resin profiles, jobs that run slice
 * by slice and end Completed or Cancelled, togglePause, stopJob, uploads and startJob, and the
 * faults a shop sees (silence, garbage). Tests change the resin profiles, the printer's status
 * (words Echo does not know) and leave fields out at run time.
 */
export class PhotocentricSimulator {
  readonly printerName: string;
  started = true;
  /** The printer's status; any string, to play a newer Photonic3D. */
  status: string = 'Ready';
  selectedInk: string;
  inks: Ink[] = [
    {
      Name: 'Daylight Hard Grey',
      SliceHeight: 0.1,
      LayerTime: 8000,
      FirstLayerTime: 60_000,
      NumberofBottomLayers: 4,
      ResinPriceL: 85,
    },
    {
      Name: 'Durable DL110 HB',
      SliceHeight: 0.1,
      LayerTime: 12_000,
      FirstLayerTime: 90_000,
      NumberofBottomLayers: 5,
      ResinPriceL: 120,
    },
  ];
  readonly commandsReceived: ReceivedCommand[] = [];
  /** Fields left out of the printers list and the jobs, as an older or odd host might. */
  omit = new Set<string>();
  private readonly jobs = new Map<string, Job>();
  private readonly uploads = new Map<string, { size: number; sha256: string }>();
  private fault: PhotocentricFault = null;
  private readonly hanging = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;
  private last = Date.now();

  private constructor(
    private readonly server: LoopbackHttpServer,
    private readonly options: Required<SimulatorOptions>,
  ) {
    this.printerName = options.printer;
    this.selectedInk = this.inks[0]!.Name;
    this.timer = setInterval(() => this.tick(), 50);
  }

  static async start(options: SimulatorOptions = {}): Promise<PhotocentricSimulator> {
    let sim: PhotocentricSimulator | undefined;
    const server = await LoopbackHttpServer.start((req, res) => sim!.handle(req, res));
    sim = new PhotocentricSimulator(server, {
      speed: 1,
      printer: 'Liquid Crystal Magna',
      sliceMs: 10_000,
      uploadSlices: 50,
      cancellingMs: 300,
      ...options,
    });
    return sim;
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  /** A job in progress on the printer. */
  get busy(): boolean {
    return this.active() !== undefined;
  }

  /** The files uploaded, by name. */
  uploaded(name: string): { size: number; sha256: string } | undefined {
    return this.uploads.get(name);
  }

  /** Starts a job as the printer's screen would (no REST call recorded). */
  startJob(name: string, slices: number): string {
    const job: Job = {
      id: randomUUID(),
      jobName: name,
      status: 'Printing',
      totalSlices: slices,
      slice: 0,
      startTime: Date.now(),
      elapsedMs: 0,
      errorDescription: null,
    };
    this.jobs.set(job.id, job);
    this.status = 'Printing';
    return job.id;
  }

  /** The running job fails (a peel failure, say): the printer shows Failed. */
  fail(description: string): void {
    const job = this.active();
    if (!job) return;
    job.status = 'Failed';
    job.errorDescription = description;
    this.status = 'Failed';
  }

  /** The printer's Ready again after a failure (the operator cleared it). */
  clear(): void {
    this.status = 'Ready';
  }

  setFault(fault: PhotocentricFault): void {
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

  private active(): Job | undefined {
    for (const job of this.jobs.values()) {
      if (
        ['Printing', 'Paused', 'PausedOutOfPrintMaterial', 'PausedWithWarning', 'Cancelling'].includes(
          job.status,
        )
      )
        return job;
    }
    return undefined;
  }

  private tick(): void {
    const now = Date.now();
    const dt = (now - this.last) * this.options.speed;
    this.last = now;
    const job = this.active();
    if (job?.status !== 'Printing') return;
    job.elapsedMs += dt;
    job.slice = Math.min(job.totalSlices, job.slice + dt / this.options.sliceMs);
    if (job.slice >= job.totalSlices) {
      job.status = 'Completed';
      this.status = 'Ready';
    }
  }

  private printerDoc(): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      configuration: {
        name: this.printerName,
        MachineConfigurationName: this.printerName,
        SlicingProfileName: this.printerName,
        machineConfig: { name: this.printerName, PlatformXSize: 510, PlatformYSize: 280, PlatformZSize: 350 },
        slicingProfile: {
          name: this.printerName,
          SelectedInk: this.selectedInk,
          InkConfig: this.inks.map((ink) => ({ ...ink, PrintMaterialDetector: null })),
          DotsPermmX: 20,
          DotsPermmY: 20,
          XResolution: 10_240,
          YResolution: 5_760,
          LiftDistance: 5,
        },
      },
      started: this.started,
      shutterOpen: false,
      status: this.status,
      printInProgress: ['Printing', 'Paused', 'Cancelling'].includes(this.status),
      printPaused: this.status.startsWith('Paused'),
      displayDeviceID: 'DISPLAY_1',
      cachedBulbHours: 412,
      currentSlicePauseTime: 0,
    };
    for (const field of this.omit) delete doc[field];
    return doc;
  }

  private jobDoc(job: Job): Record<string, unknown> {
    const shown = Math.floor(job.slice);
    const doc: Record<string, unknown> = {
      id: job.id,
      jobName: job.jobName,
      elapsedTime: Math.round(job.elapsedMs),
      startTime: job.startTime,
      totalSlices: job.totalSlices,
      currentSlice: shown,
      currentSliceTime: this.options.sliceMs,
      averageSliceTime: this.options.sliceMs,
      printer: this.printerDoc(),
      customizer: null,
      printInProgress: ['Printing', 'Paused', 'Cancelling'].includes(job.status),
      printPaused: job.status.startsWith('Paused'),
      status: job.status,
      errorDescription: job.errorDescription,
      totalCost: 0,
      currentSliceCost: 0,
      exposureTimeOverriden: false,
      exposureTime: 0,
    };
    for (const field of this.omit) if (field !== 'id') delete doc[field];
    return doc;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.fault === 'silence') {
      this.hanging.add(res);
      return;
    }
    if (this.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html><body>Photonic3D is updating…');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'services') return this.send(res, 404, 'not found');
    const [, service, action, ...rest] = parts;
    const json = (body: unknown) => this.send(res, 200, body);
    const machineResponse = (command: string, ok: boolean, message: string) =>
      json({ command, response: ok, message });

    if (req.method === 'GET' && service === 'printers' && action === 'list') return json([this.printerDoc()]);
    if (req.method === 'GET' && service === 'printJobs' && action === 'list')
      return json([...this.jobs.values()].map((j) => this.jobDoc(j)));
    if (req.method === 'GET' && service === 'printJobs' && action === 'get') {
      const job = this.jobs.get(rest[0] ?? '');
      return job ? json(this.jobDoc(job)) : this.send(res, 500, 'Job not found');
    }
    if (req.method === 'GET' && service === 'machine' && action === 'slicingProfiles') {
      return json([(this.printerDoc().configuration as { slicingProfile: unknown }).slicingProfile]);
    }
    if (service === 'printJobs' && (action === 'togglePause' || action === 'stopJob')) {
      this.commandsReceived.push({ method: req.method ?? 'GET', path: url.pathname });
      const job = this.jobs.get(rest[0] ?? '');
      if (!job) return machineResponse(action === 'stopJob' ? 'stop' : 'togglepause', false, 'Job not found');
      if (action === 'stopJob') {
        if (!this.active() || this.active() !== job)
          return machineResponse('stop', false, `There isn't a printer assigned to job:${job.id}`);
        job.status = 'Cancelling';
        this.status = 'Cancelling';
        setTimeout(() => {
          job.status = 'Cancelled';
          this.status = 'Ready';
        }, this.options.cancellingMs).unref();
        return machineResponse('stop', true, `Stopped:${job.id}`);
      }
      if (job.status.startsWith('Paused')) job.status = 'Printing';
      else if (job.status === 'Printing') job.status = 'Paused';
      this.status = job.status;
      return machineResponse('togglepause', true, `Job:${job.jobName} ${job.status}`);
    }
    if (req.method === 'POST' && service === 'printables' && action === 'uploadPrintableFile') {
      const file = await readMultipartFile(req);
      if (!file) return this.send(res, 500, 'No file specified in multipart mime!');
      const sha256 = createHash('sha256').update(file.content).digest('hex');
      this.uploads.set(file.name, { size: file.content.length, sha256 });
      this.commandsReceived.push({
        method: 'POST',
        path: url.pathname,
        file: { name: file.name, size: file.content.length, sha256 },
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`File saved to location: /opt/cwh/uploaddir/${file.name}`);
      return;
    }
    if (service === 'printers' && action === 'startJob') {
      this.commandsReceived.push({ method: req.method ?? 'GET', path: url.pathname });
      const [fileName, printer] = rest;
      if (printer !== this.printerName || !this.started)
        return machineResponse('start', false, `Printer not started:${printer}`);
      if (!fileName || !this.uploads.has(fileName))
        return machineResponse('start', false, `Unknown file: ${fileName}`);
      if (this.active()) return machineResponse('start', false, 'Printer is already assigned a job');
      const id = this.startJob(fileName.replace(/\.[^.]+$/, ''), this.options.uploadSlices);
      return machineResponse('start', true, id);
    }
    return this.send(res, 404, 'not found');
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  }
}

/** The one file of a `multipart/form-data` body (field `file`), as Photonic3D's upload reads it. */
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
  if (!/name="file"/.test(head)) return undefined;
  const name = /filename="([^"]*)"/.exec(head)?.[1];
  const end = body.lastIndexOf(`\r\n--${boundary}--`);
  if (!name || end < headEnd) return undefined;
  return { name, content: body.subarray(headEnd + 4, end) };
}
