import { randomUUID } from 'node:crypto';
import { type CloudAnswer, VendorCloudSimulator } from '../../sdk/simulator/vendor-cloud.ts';

interface Run {
  guid: string;
  name: string;
  layers: number;
  startedAt: number;
  /** Set when the job ended: FINISHED, ABORTED or ERROR. */
  ended?: string;
  endedLayer?: number;
  /** When an ABORTED or ERROR run ended (a FINISHED one ends with its last layer). */
  endedAt?: number;
}

interface Printer {
  serial: string;
  alias: string;
  machine: string;
  /** Overrides the computed status (a word Echo does not know, ERROR, OFFLINE). */
  status?: string;
  run?: Run;
  /** Runs that ended before the current one (the account's print history). */
  past: Run[];
}

export interface FormlabsSimulatorOptions {
  /** Printers on the account (serials). */
  serials?: string[];
  /** Real ms per layer. */
  layerMs?: number;
  /** The client id and secret the token endpoint accepts. */
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of the tokens it issues, seconds (Formlabs: 24 h). */
  tokenSeconds?: number;
  /**
   * `/printers/` answers pages of this many printers (`count`, `next`, `previous`, `results`,
   * `?page=N`), as every Web API list; without it, one bare list.
   */
  printersPageSize?: number;
  /** The origin its `next` links name (a hostile API pointing elsewhere); default its own. */
  nextOrigin?: string;
  /** Every `next` of `/printers/` names page 1 (a faulty API whose links loop). */
  printersNextLoops?: boolean;
}

/**
 * The Formlabs Web API (`/developer/v1/…`: `o/token/`, `printers/`, `printers/<serial>/`) of one
 * account, and a PreFormServer (`/discover-devices/`, `/devices/`, `/devices/<id>/`) with the same
 * printers, on a real HTTP server. Jobs run layer by layer and end FINISHED, ABORTED or ERROR; the
 * account faults (429, outage, expired tokens) are the shared `VendorCloudSimulator`'s.
 */
export class FormlabsSimulator {
  readonly clientId: string;
  readonly clientSecret: string;
  tokenSeconds: number;
  readonly printers = new Map<string, Printer>();
  private readonly layerMs: number;
  private readonly printersPageSize: number | undefined;
  private readonly nextOrigin: string | undefined;
  private readonly printersNextLoops: boolean;
  /** `/printers/` requests by the page asked (`?page=N`; `first` without one): what a test counts. */
  readonly printerPagesAsked = new Map<string, number>();
  /** The next `/prints/` request answers 429 with this Retry-After (seconds), pausing the account. */
  throttleHistory: number | undefined;

  private constructor(
    readonly cloud: VendorCloudSimulator,
    options: FormlabsSimulatorOptions,
  ) {
    this.clientId = options.clientId ?? 'echo-client';
    this.clientSecret = options.clientSecret ?? 'echo-client-secret';
    this.tokenSeconds = options.tokenSeconds ?? 86_400;
    this.layerMs = options.layerMs ?? 100;
    this.printersPageSize = options.printersPageSize;
    this.nextOrigin = options.nextOrigin;
    this.printersNextLoops = options.printersNextLoops ?? false;
    for (const serial of options.serials ?? ['Form4-CapableLizard']) {
      this.printers.set(serial, {
        serial,
        alias: serial.split('-')[1] ?? serial,
        machine: 'FORM-4-0',
        past: [],
      });
    }
  }

  static async start(options: FormlabsSimulatorOptions = {}): Promise<FormlabsSimulator> {
    let sim: FormlabsSimulator | undefined;
    const cloud = await VendorCloudSimulator.start(() => (request) => sim!.route(request));
    sim = new FormlabsSimulator(cloud, options);
    return sim;
  }

  get apiUrl(): string {
    return `${this.cloud.url}/developer/v1`;
  }

  get busy(): boolean {
    return [...this.printers.values()].some((p) => p.run && !p.run.ended && !this.done(p.run));
  }

  startJob(serial: string, name: string, layers: number): string {
    const printer = this.printers.get(serial)!;
    if (printer.run && (printer.run.ended || this.done(printer.run))) printer.past.push(printer.run);
    const guid = randomUUID();
    printer.run = { guid, name, layers, startedAt: Date.now() };
    return guid;
  }

  /** Ends the running job: ABORTED (cancelled on the printer) or ERROR. */
  endJob(serial: string, how: 'ABORTED' | 'ERROR'): void {
    const run = this.printers.get(serial)?.run;
    if (run && !run.ended) {
      run.endedLayer = this.layer(run);
      run.ended = how;
      run.endedAt = Date.now();
    }
  }

  /** Every run that ended, on every printer (what `/prints/` lists as ended). */
  get finishedJobs(): Array<{ serial: string; guid: string; name: string; status: string }> {
    return [...this.printers.values()].flatMap((p) =>
      [...p.past, ...(p.run ? [p.run] : [])]
        .filter((run) => run.ended || this.done(run))
        .map((run) => ({
          serial: p.serial,
          guid: run.guid,
          name: run.name,
          status: run.ended ?? 'FINISHED',
        })),
    );
  }

  close(): Promise<void> {
    return this.cloud.close();
  }

  private done(run: Run): boolean {
    return this.layer(run) >= run.layers;
  }

  private layer(run: Run): number {
    if (run.endedLayer !== undefined) return run.endedLayer;
    return Math.min(run.layers, Math.floor((Date.now() - run.startedAt) / this.layerMs));
  }

  private printerJson(printer: Printer) {
    const run = printer.run;
    const runStatus = run ? (run.ended ?? (this.done(run) ? 'FINISHED' : 'PRINTING')) : undefined;
    const status =
      printer.status ?? (runStatus === 'PRINTING' ? 'PRINTING' : runStatus === 'ERROR' ? 'ERROR' : 'IDLE');
    const layer = run ? this.layer(run) : 0;
    return {
      serial: printer.serial,
      alias: printer.alias,
      machine_type_id: printer.machine,
      firmware_version: '1.8.2-2345',
      printer_status: {
        status,
        last_pinged_at: new Date().toISOString(),
        current_print_run: run
          ? {
              guid: run.guid,
              name: run.name,
              status: runStatus,
              currently_printing_layer: layer,
              layer_count: run.layers,
              elapsed_duration_ms: Date.now() - run.startedAt,
              estimated_time_remaining_ms: Math.max(0, (run.layers - layer) * this.layerMs),
              print_started_at: new Date(run.startedAt).toISOString(),
              material: 'FLGPGR05',
            }
          : null,
      },
      tank_status: { tank: { material: 'FLGPGR05', layers_printed: 12_345 } },
    };
  }

  /** A run as `/prints/` lists it. */
  private printJson(printer: Printer, run: Run) {
    const status = run.ended ?? (this.done(run) ? 'FINISHED' : 'PRINTING');
    const endedAt =
      status === 'PRINTING' ? undefined : (run.endedAt ?? run.startedAt + run.layers * this.layerMs);
    return {
      guid: run.guid,
      name: run.name,
      printer: printer.serial,
      status,
      material: 'FLGPGR05',
      layer_count: run.layers,
      current_layer: this.layer(run),
      print_started_at: new Date(run.startedAt).toISOString(),
      print_finished_at: endedAt !== undefined ? new Date(endedAt).toISOString() : null,
      elapsed_duration_ms: (endedAt ?? Date.now()) - run.startedAt,
      volume_ml: 12.5,
    };
  }

  /** `GET /prints/`: newest first, filtered by `printer` and `date__gt` (on the start), paged. */
  private prints(query: URLSearchParams): CloudAnswer {
    if (this.throttleHistory !== undefined) {
      const seconds = this.throttleHistory;
      this.throttleHistory = undefined;
      this.cloud.rateLimit(seconds);
      return {
        status: 429,
        body: { detail: 'Request was throttled.' },
        headers: { 'retry-after': String(seconds) },
      };
    }
    const serial = query.get('printer');
    const since = query.get('date__gt') ? Date.parse(query.get('date__gt')!) : Number.NEGATIVE_INFINITY;
    const all = [...this.printers.values()]
      .filter((p) => serial === null || p.serial === serial)
      .flatMap((p) => [...p.past, ...(p.run ? [p.run] : [])].map((run) => ({ p, run })))
      .filter(({ run }) => run.startedAt > since)
      .sort((a, b) => b.run.startedAt - a.run.startedAt);
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 20) || 20));
    const link = (n: number) => {
      const next = new URLSearchParams(query);
      next.set('page', String(n));
      return `${this.apiUrl}/prints/?${next}`;
    };
    return webPage(all, query, perPage, link, ({ p, run }) => this.printJson(p, run));
  }

  /** `GET /printers/`: one bare list, or pages of `printersPageSize` (`?page=N`, 404 past the last). */
  private printerList(query: URLSearchParams): CloudAnswer {
    const asked = query.get('page') ?? 'first';
    this.printerPagesAsked.set(asked, (this.printerPagesAsked.get(asked) ?? 0) + 1);
    const all = [...this.printers.values()].map((p) => this.printerJson(p));
    const size = this.printersPageSize;
    if (size === undefined) return { status: 200, body: all };
    const link = (n: number) =>
      `${this.nextOrigin ?? this.cloud.url}/developer/v1/printers/?page=${this.printersNextLoops ? 1 : n}`;
    return webPage(all, query, size, link, (printer) => printer);
  }

  private route(request: {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }): CloudAnswer {
    const { method, path } = request;
    if (method === 'POST' && path === '/developer/v1/o/token/') {
      const form = new URLSearchParams(request.body);
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== this.clientId ||
        form.get('client_secret') !== this.clientSecret
      ) {
        return { status: 401, body: { error: 'invalid_client' } };
      }
      return {
        status: 200,
        body: {
          access_token: this.cloud.issueToken(this.tokenSeconds),
          token_type: 'Bearer',
          expires_in: this.tokenSeconds,
          scope: 'developer-api',
        },
      };
    }
    if (path.startsWith('/developer/v1/')) {
      if (!this.cloud.bearerValid(request.headers.authorization as string | undefined)) {
        return { status: 401, body: { detail: 'Authentication credentials were not provided.' } };
      }
      if (method === 'GET' && path === '/developer/v1/prints/') return this.prints(request.query);
      if (method === 'GET' && path === '/developer/v1/printers/') return this.printerList(request.query);
      const one = /^\/developer\/v1\/printers\/([^/]+)\/$/.exec(path);
      const printer = one ? this.printers.get(decodeURIComponent(one[1]!)) : undefined;
      if (method === 'GET' && printer) return { status: 200, body: this.printerJson(printer) };
      return { status: 404, body: { detail: 'Not found.' } };
    }
    // PreFormServer (local API).
    if (method === 'POST' && path === '/discover-devices/')
      return { status: 200, body: { count: this.printers.size } };
    const devices = [...this.printers.values()].map((p) => {
      const json = this.printerJson(p);
      return {
        id: p.serial,
        product_name: p.machine,
        status: json.printer_status.status,
        is_connected: true,
        connection_type: 'WIFI',
        ip_address: '192.168.1.50',
        firmware_version: json.firmware_version,
      };
    });
    if (method === 'GET' && path === '/devices/') return { status: 200, body: { devices } };
    const local = /^\/devices\/([^/]+)\/$/.exec(path);
    const device = local ? devices.find((d) => d.id === decodeURIComponent(local[1]!)) : undefined;
    if (method === 'GET' && device) return { status: 200, body: device };
    return { status: 404, body: { detail: 'Not found.' } };
  }
}

/** Page `?page=N` of `all` as the Web API lists (`count`, `next`, `previous`, `results`); 404 past the last. */
function webPage<T>(
  all: T[],
  query: URLSearchParams,
  size: number,
  link: (page: number) => string,
  render: (item: T) => unknown,
): CloudAnswer {
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const slice = all.slice((page - 1) * size, page * size);
  if (page > 1 && slice.length === 0) return { status: 404, body: { detail: 'Invalid page.' } };
  return {
    status: 200,
    body: {
      count: all.length,
      next: page * size < all.length ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: slice.map(render),
    },
  };
}
