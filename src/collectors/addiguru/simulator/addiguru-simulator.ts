import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from '../../sdk/simulator/loopback-http-server.ts';

export type AddiguruFault = 'silence' | 'garbage' | 'oversized' | 'error500' | null;

interface SimAnalysis {
  id: string;
  printer: { id: string; name: string };
  build_name: string;
  status: 'running' | 'completed' | 'aborted' | 'failed';
  start_time: string;
  end_time: string | null;
  layer_count: number;
  /** Layers analysed so far. */
  layersDone: number;
  indicators: Array<Record<string, unknown>>;
  anomalies: Array<Record<string, unknown>>;
}

export interface AddiguruSimulatorOptions {
  username?: string;
  password?: string;
  /** Layers analysed per real second, for a running analysis. */
  layersPerSecond?: number;
  /** Seconds a token lives (the `expires_in` sent). */
  tokenSeconds?: number;
}

const PRINTERS = [
  { id: 'P-01', name: 'EOS M 290 #1' },
  { id: 'P-02', name: 'EOS M 290 #2' },
  { id: 'P-03', name: 'SLM 280 #1' },
];

/**
 * An Addiguru hub serving exactly the assumed API of `../assumed-api.ts` on a real HTTP server on
 * 127.0.0.1: a token login, the hub's status, finished analyses after a watermark and each one in
 * full (per-layer indicators, anomalies with boundary and shape). Analyses run layer by layer and
 * finish `completed`; tests add finished ones at once (`addFinished`), remove one's details,
 * revoke tokens, override the state word, and set the faults silence, garbage, oversized, 500.
 */
export class AddiguruSimulator {
  readonly username: string;
  readonly password: string;
  readonly serial = 'AG-HUB-0007';
  readonly printers = PRINTERS;
  readonly analyses: SimAnalysis[] = [];
  /** A state word to send instead of the simulated one (`undefined`: leave the field out). */
  stateOverride: { value: string | undefined } | null = null;
  /** Analyses whose details answer 404 (removed between the list and the details). */
  readonly detailsGone = new Set<string>();
  /** Every request, for tests: method, path and query. */
  readonly requests: Array<{ method: string; path: string; query: Record<string, string> }> = [];
  logins = 0;
  private readonly tokens = new Set<string>();
  private fault: AddiguruFault = null;
  private readonly hanging = new Set<ServerResponse>();
  private next = 1;
  private lastTick = performance.now();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly server: LoopbackHttpServer,
    private readonly options: AddiguruSimulatorOptions,
  ) {
    this.username = options.username ?? 'echo';
    this.password = options.password ?? 'guru-secret';
    this.timer = setInterval(() => this.tick(), 50);
  }

  static async start(options: AddiguruSimulatorOptions = {}): Promise<AddiguruSimulator> {
    let sim: AddiguruSimulator | undefined;
    const server = await LoopbackHttpServer.start((req, res) => sim!.handle(req, res));
    sim = new AddiguruSimulator(server, options);
    return sim;
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  get busy(): boolean {
    return this.analyses.some((a) => a.status === 'running');
  }

  /** The ids of the finished analyses, in the hub's order. */
  finishedIds(): string[] {
    return this.finished().map((a) => a.id);
  }

  /** Starts analysing a build on a printer; returns the analysis id. */
  startAnalysis(build: string, layers = 20, printer = 0): string {
    const analysis = this.newAnalysis(build, layers, printer);
    this.analyses.push(analysis);
    return analysis.id;
  }

  /** `n` analyses finished at once, each with its layers and anomalies (end times 1 ms apart or equal). */
  addFinished(n: number, layers = 5, sameEndTime = false): string[] {
    const ids: string[] = [];
    const base = Date.now();
    for (let i = 0; i < n; i++) {
      const analysis = this.newAnalysis(`build-${this.next}`, layers, i % PRINTERS.length);
      while (analysis.layersDone < layers) this.analyseLayer(analysis);
      analysis.status = i % 7 === 6 ? 'aborted' : 'completed';
      analysis.end_time = new Date(sameEndTime ? base : base + i).toISOString();
      this.analyses.push(analysis);
      ids.push(analysis.id);
    }
    return ids;
  }

  /** Every token given so far stops working (a hub restart): the next request answers 401. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  setFault(fault: AddiguruFault): void {
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

  private newAnalysis(build: string, layers: number, printer: number): SimAnalysis {
    const id = `AG-${String(this.next++).padStart(6, '0')}`;
    return {
      id,
      printer: PRINTERS[printer % PRINTERS.length]!,
      build_name: build,
      status: 'running',
      start_time: new Date().toISOString(),
      end_time: null,
      layer_count: layers,
      layersDone: 0,
      indicators: [],
      anomalies: [],
    };
  }

  private analyseLayer(a: SimAnalysis): void {
    const layer = a.layersDone + 1;
    a.indicators.push({
      layer_number: layer,
      start_time: a.start_time,
      recoat_uniformity: Math.round((0.9 + ((layer * 37) % 10) / 100) * 1000) / 1000,
      melt_pool_intensity: 100 + ((layer * 13) % 20),
    });
    if (layer % 4 === 0) {
      const defect = layer % 8 === 0;
      a.anomalies.push({
        id: `${a.id}-X${layer}`,
        layer_number: layer,
        classification: defect ? 'super_elevation' : 'recoater_streak',
        shape: defect ? 'contour' : 'rect',
        boundary: defect
          ? [
              [10.5, 20.25],
              [12, 22.5],
              [9.75, 23],
            ]
          : [
              [0, 40],
              [250, 41.5],
            ],
        is_anomaly: true,
        is_defect: defect,
      });
    }
    a.layersDone = layer;
  }

  private tick(): void {
    const now = performance.now();
    const layers = ((now - this.lastTick) / 1000) * (this.options.layersPerSecond ?? 10);
    this.lastTick = now;
    for (const a of this.analyses) {
      if (a.status !== 'running') continue;
      const target = Math.min(a.layer_count, a.layersDone + Math.max(1, Math.round(layers)));
      while (a.layersDone < target) this.analyseLayer(a);
      if (a.layersDone >= a.layer_count) {
        a.status = 'completed';
        a.end_time = new Date().toISOString();
      }
    }
  }

  private finished(): SimAnalysis[] {
    const key = (a: SimAnalysis) => `${a.end_time}#${a.id}`;
    return this.analyses
      .filter((a) => a.end_time !== null)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  private summary(a: SimAnalysis) {
    return { id: a.id, printer: a.printer, status: a.status, start_time: a.start_time, end_time: a.end_time };
  }

  private status(): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      hub: { name: 'Addiguru hall 2', serial: this.serial, version: '3.4.1' },
      state: this.busy ? 'analysing' : 'idle',
      printers: this.printers.map((p) => ({
        ...p,
        state: this.analyses.some((a) => a.status === 'running' && a.printer.id === p.id)
          ? 'building'
          : 'idle',
      })),
      active_analyses: this.analyses.filter((a) => a.status === 'running').length,
      errors: [],
    };
    if (this.stateOverride) {
      if (this.stateOverride.value === undefined) delete doc.state;
      else doc.state = this.stateOverride.value;
      if (this.stateOverride.value === 'error') doc.errors = ['camera 2: no frames for 120 s'];
    }
    return doc;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
    });
    if (this.fault === 'silence') {
      this.hanging.add(res);
      return;
    }
    if (this.fault === 'error500') return reply(res, 500, 'internal error', 'text/plain');
    if (req.method === 'POST' && url.pathname === '/api/auth/login') {
      const body = await readBody(req);
      let credentials: { username?: unknown; password?: unknown } = {};
      try {
        credentials = JSON.parse(body) as typeof credentials;
      } catch {
        return reply(res, 400, '{"error":"bad request"}');
      }
      if (credentials.username !== this.username || credentials.password !== this.password)
        return reply(res, 401, '{"error":"invalid credentials"}');
      this.logins++;
      const token = randomBytes(16).toString('hex');
      this.tokens.add(token);
      return reply(res, 200, JSON.stringify({ token, expires_in: this.options.tokenSeconds ?? 3600 }));
    }
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.tokens.has(token)) return reply(res, 401, '{"error":"unauthorized"}');
    if (this.fault === 'garbage') return reply(res, 200, '{"analyses": [{"id": "AG-');
    if (this.fault === 'oversized') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 64 && !res.destroyed; i++) res.write(chunk);
      res.end('{}');
      return;
    }
    if (req.method !== 'GET') return reply(res, 405, '{"error":"method not allowed"}');
    if (url.pathname === '/api/status') return reply(res, 200, JSON.stringify(this.status()));
    if (url.pathname === '/api/analyses') {
      const since = url.searchParams.get('since');
      const afterId = url.searchParams.get('after_id') ?? '';
      const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 100));
      const after = since ? `${new Date(since).toISOString()}#${afterId}` : undefined;
      const newer = this.finished().filter((a) => after === undefined || `${a.end_time}#${a.id}` > after);
      const page = newer.slice(0, limit);
      return reply(
        res,
        200,
        JSON.stringify({ analyses: page.map((a) => this.summary(a)), has_more: newer.length > limit }),
      );
    }
    const detail = /^\/api\/analyses\/([^/]+)$/.exec(url.pathname);
    if (detail) {
      const id = decodeURIComponent(detail[1]!);
      const a = this.analyses.find((x) => x.id === id);
      if (!a || this.detailsGone.has(id)) return reply(res, 404, '{"error":"not found"}');
      return reply(
        res,
        200,
        JSON.stringify({
          ...this.summary(a),
          build_name: a.build_name,
          layer_count: a.layer_count,
          indicators: a.indicators,
          anomalies: a.anomalies,
        }),
      );
    }
    return reply(res, 404, '{"error":"not found"}');
  }
}

function reply(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
