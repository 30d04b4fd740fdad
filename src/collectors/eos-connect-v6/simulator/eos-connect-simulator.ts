import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  type SelfSignedCertificate,
  selfSignedCertificate,
} from '../../sdk/simulator/self-signed-certificate.ts';

export type EosConnectFault = 'silence' | 'error500' | null;

interface SimJob {
  id: number;
  name: string;
  state: 'Finished' | 'Aborted' | 'Failed';
  startTime: string;
  endTime: string;
  layers: number;
  material: string;
  operator: string;
}

interface LiveJob {
  id: number;
  name: string;
  layer: number;
  layers: number;
  startedAt: number;
}

/**
 * An EOS M 290 behind EOSCONNECT v6 on a real HTTPS server with its own self-signed certificate and
 * Basic authentication: the live machine document, a build that counts layers and joins the job
 * history when done, and a history of `history` past jobs for backfill tests. Faults: a server that
 * stops answering, one that answers 500, and `restart(ms)`. Counts the history requests it served.
 */
export class EosConnectSimulator {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly jobs: SimJob[] = [];
  private live: LiveJob | undefined;
  private fault: EosConnectFault = null;
  private timer: NodeJS.Timeout | undefined;
  private portNumber = 0;
  historyRequests = 0;
  readonly serial = 'SI2381';

  private constructor(
    private readonly certificate: SelfSignedCertificate,
    readonly username: string,
    readonly password: string,
    private readonly layersPerSecond: number,
    private readonly historyDelayMs: number,
  ) {}

  static async start(
    options: {
      history?: number;
      username?: string;
      password?: string;
      layersPerSecond?: number;
      /** Milliseconds each history page takes (a machine PC is not a database server). */
      historyDelayMs?: number;
    } = {},
  ): Promise<EosConnectSimulator> {
    const sim = new EosConnectSimulator(
      await selfSignedCertificate('si2381'),
      options.username ?? 'echo',
      options.password ?? 'eos-secret',
      options.layersPerSecond ?? 20,
      options.historyDelayMs ?? 0,
    );
    sim.seedHistory(options.history ?? 0);
    await sim.listen();
    sim.timer = setInterval(() => sim.tick(), 250);
    return sim;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    return this.portNumber;
  }

  get fingerprint(): string {
    return this.certificate.fingerprint256;
  }

  get busy(): boolean {
    return this.live !== undefined;
  }

  /** Ids of every job in the history. */
  get historyIds(): string[] {
    return this.jobs.map((j) => String(j.id));
  }

  startJob(name: string, layers: number): void {
    this.live = { id: this.jobs.length + 1, name, layer: 0, layers, startedAt: Date.now() };
  }

  setFault(fault: EosConnectFault): void {
    this.fault = fault;
  }

  async restart(ms: number): Promise<void> {
    await this.shutdown();
    await new Promise((r) => setTimeout(r, ms));
    await this.listen();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.shutdown();
  }

  private seedHistory(count: number): void {
    // One job ending every 7 minutes, some in the same second as another (ids tell them apart).
    const base = Date.UTC(2023, 0, 1);
    for (let i = 1; i <= count; i++) {
      const end = base + Math.floor(i / 2) * 7 * 60_000;
      this.jobs.push({
        id: i,
        name: `job-${String(i).padStart(5, '0')}.openjob`,
        state: i % 50 === 0 ? 'Failed' : i % 17 === 0 ? 'Aborted' : 'Finished',
        startTime: new Date(end - 6 * 3_600_000).toISOString(),
        endTime: new Date(end).toISOString(),
        layers: 500 + (i % 700),
        material: i % 3 === 0 ? 'Ti64' : 'AlSi10Mg',
        operator: 'shift-a',
      });
    }
  }

  private tick(): void {
    const live = this.live;
    if (!live) return;
    live.layer = Math.min(live.layers, live.layer + this.layersPerSecond / 4);
    if (live.layer >= live.layers) {
      this.jobs.push({
        id: this.jobs.length + 1,
        name: live.name,
        state: 'Finished',
        startTime: new Date(live.startedAt).toISOString(),
        endTime: new Date().toISOString(),
        layers: live.layers,
        material: 'AlSi10Mg',
        operator: 'shift-a',
      });
      this.live = undefined;
    }
  }

  private async listen(): Promise<void> {
    const server = createServer({ cert: this.certificate.cert, key: this.certificate.key }, (req, res) =>
      this.handle(req, res),
    );
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.portNumber, '127.0.0.1', () => resolve()));
    this.portNumber = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Silence: the connection hangs until the client gives up.
    if (this.fault === 'silence') return;
    if (this.fault === 'error500') {
      this.json(res, 500, { error: 'internal error' });
      return;
    }
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      this.json(res, 401, { error: 'unauthorized' });
      return;
    }
    const url = new URL(req.url ?? '/', 'https://si2381');
    if (url.pathname === '/api/v6/machine') {
      this.json(res, 200, this.machineDocument());
      return;
    }
    if (url.pathname === '/api/v6/jobs') {
      this.historyRequests++;
      const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 100));
      const after = url.searchParams.get('finishedAfter');
      const afterId = Number(url.searchParams.get('afterId') ?? 0);
      const newer = this.jobs
        .filter((j) => !after || j.endTime > after || (j.endTime === after && j.id > afterId))
        .sort((a, b) => a.endTime.localeCompare(b.endTime) || a.id - b.id);
      const body = { jobs: newer.slice(0, limit), hasMore: newer.length > limit };
      setTimeout(() => this.json(res, 200, body), this.historyDelayMs);
      return;
    }
    this.json(res, 404, { error: 'not found' });
  }

  private machineDocument() {
    const live = this.live;
    return {
      serialNumber: this.serial,
      machineType: 'EOS M 290',
      softwareVersion: '6.2.1',
      state: live ? 'Building' : 'Idle',
      currentJob: live
        ? {
            id: live.id,
            name: live.name,
            currentLayer: Math.floor(live.layer),
            totalLayers: live.layers,
            startTime: new Date(live.startedAt).toISOString(),
            estimatedEndTime: new Date(
              Date.now() + ((live.layers - live.layer) / this.layersPerSecond) * 1000,
            ).toISOString(),
          }
        : null,
      process: {
        oxygenPercent: live ? 0.08 : 20.9,
        chamberTemperature: 35,
        platformTemperature: live ? 80 : 30,
      },
      errors: [],
    };
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
