import { randomUUID } from 'node:crypto';
import { type CloudAnswer, VendorCloudSimulator } from '../../sdk/simulator/vendor-cloud.ts';
import { verifyHs256 } from '../jwt.ts';

interface Print {
  print_id: string;
  build_uuid: string;
  name: string;
  startedAt: number;
  durationMs: number;
  finishedAt?: number;
}

interface Printer {
  serial: string;
  name: string;
  hw_type: string;
  /** Overrides the computed state (a word Echo does not know, ERROR, OFFLINE). */
  state?: string;
  alerts: string[];
  current?: Print;
  last?: Print;
  /** Prints that ended before `last`. */
  past: Print[];
}

export interface CarbonSimulatorOptions {
  serials?: string[];
  clientId?: string;
  clientSecret?: string;
}

/**
 * The Carbon API v1 of one account (`/v1/printers`, `/v1/printers/<serial>`, `/v1/prints`,
 * `/v1/builds`) on a real HTTP server, over the shared `VendorCloudSimulator` (429, outage,
 * garbage). It accepts JWTs signed HS256 with the client secret (`iss` the client id, `exp`), and
 * can revoke every token seen so far. Prints run for a set time and end in `prints.last`.
 */
export class CarbonSimulator {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly printers = new Map<string, Printer>();
  /** The `jti` of every token presented, and those revoked. */
  readonly tokensSeen = new Set<string>();
  private readonly revoked = new Set<string>();
  /** The next `/prints` request answers 429 with this Retry-After (seconds), pausing the account. */
  throttleHistory: number | undefined;
  /** Prints per page of `/prints` at most (whatever `limit` asks). */
  pageSize = 3;

  private constructor(
    readonly cloud: VendorCloudSimulator,
    options: CarbonSimulatorOptions,
  ) {
    this.clientId = options.clientId ?? 'carbon-client-id';
    this.clientSecret = options.clientSecret ?? 'carbon-client-secret';
    for (const serial of options.serials ?? ['M2-0042']) {
      this.printers.set(serial, {
        serial,
        name: `Carbon ${serial}`,
        hw_type: serial.split('-')[0]!,
        alerts: [],
        past: [],
      });
    }
  }

  static async start(options: CarbonSimulatorOptions = {}): Promise<CarbonSimulator> {
    let sim: CarbonSimulator | undefined;
    const cloud = await VendorCloudSimulator.start(() => (request) => sim!.route(request));
    sim = new CarbonSimulator(cloud, options);
    return sim;
  }

  get apiUrl(): string {
    return `${this.cloud.url}/v1`;
  }

  get busy(): boolean {
    return [...this.printers.values()].some((p) => {
      this.settle(p);
      return p.current !== undefined;
    });
  }

  startPrint(serial: string, name: string, durationMs: number): string {
    const printer = this.printers.get(serial)!;
    this.settle(printer);
    const id = randomUUID();
    printer.current = { print_id: id, build_uuid: randomUUID(), name, startedAt: Date.now(), durationMs };
    return id;
  }

  /** Every token presented so far is refused from now on (401): the key was rotated. */
  revokeTokens(): void {
    for (const jti of this.tokensSeen) this.revoked.add(jti);
  }

  /** Every print that ended, on every printer. */
  get finishedJobs(): Array<{ serial: string; id: string; name: string }> {
    return [...this.printers.values()].flatMap((p) => {
      this.settle(p);
      return [...p.past, ...(p.last ? [p.last] : [])].map((x) => ({
        serial: p.serial,
        id: x.print_id,
        name: x.name,
      }));
    });
  }

  close(): Promise<void> {
    return this.cloud.close();
  }

  /** Moves a print that ran its time to `last`. */
  private settle(printer: Printer): void {
    const current = printer.current;
    if (current && Date.now() - current.startedAt >= current.durationMs) {
      if (printer.last) printer.past.push(printer.last);
      printer.last = { ...current, finishedAt: current.startedAt + current.durationMs };
      printer.current = undefined;
    }
  }

  private printJson(print: Print) {
    return {
      name: print.name,
      print_id: print.print_id,
      build_uuid: print.build_uuid,
      started_at: new Date(print.startedAt).toISOString(),
      ...(print.finishedAt
        ? { finished_at: new Date(print.finishedAt).toISOString() }
        : {
            remaining_sec: Math.max(0, Math.round((print.startedAt + print.durationMs - Date.now()) / 1000)),
          }),
    };
  }

  private printerJson(printer: Printer) {
    this.settle(printer);
    const state = printer.state ?? (printer.current ? 'PRINTING' : 'IDLE');
    return {
      name: printer.name,
      serial: printer.serial,
      hw_type: printer.hw_type,
      url: `${this.apiUrl}/printers/${printer.serial}`,
      updated_at: new Date().toISOString(),
      status: { printer_state: state, alerts: printer.alerts, software_version: '1.32.4' },
      prints: {
        ...(printer.last ? { last: this.printJson(printer.last) } : {}),
        ...(printer.current ? { current: this.printJson(printer.current) } : {}),
        queue_length: 0,
      },
    };
  }

  private authorized(authorization: string | undefined): boolean {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const claims = token ? verifyHs256(token, this.clientSecret) : undefined;
    if (!claims || claims.iss !== this.clientId) return false;
    const jti = String(claims.jti);
    this.tokensSeen.add(jti);
    return !this.revoked.has(jti) && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
  }

  /** `GET /prints[?printer_serial=]`: newest first, `limit`/`offset` (at most `pageSize`), `total_count`. */
  private prints(query: URLSearchParams): CloudAnswer {
    if (this.throttleHistory !== undefined) {
      const seconds = this.throttleHistory;
      this.throttleHistory = undefined;
      this.cloud.rateLimit(seconds);
      return { status: 429, body: { message: 'rate limited' }, headers: { 'retry-after': String(seconds) } };
    }
    const serial = query.get('printer_serial');
    const all = [...this.printers.values()]
      .filter((p) => serial === null || p.serial === serial)
      .flatMap((p) => {
        this.settle(p);
        return [...p.past, ...(p.last ? [p.last] : []), ...(p.current ? [p.current] : [])].map((x) => ({
          ...this.printJson(x),
          printer_serial: p.serial,
        }));
      })
      .sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
    const limit = Math.min(this.pageSize, Math.max(1, Number(query.get('limit') ?? 100) || 100));
    const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
    return {
      status: 200,
      body: { limit, offset, total_count: all.length, prints: all.slice(offset, offset + limit) },
    };
  }

  private route(request: {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: Record<string, string | string[] | undefined>;
  }): CloudAnswer {
    if (!this.authorized(request.headers.authorization as string | undefined)) {
      return { status: 401, body: { message: 'invalid or expired token' } };
    }
    const { method, path } = request;
    if (method !== 'GET') return { status: 405, body: { message: 'method not allowed' } };
    const all = [...this.printers.values()].map((p) => this.printerJson(p));
    if (path === '/v1/printers')
      return { status: 200, body: { limit: 1000, offset: 0, total_count: all.length, printers: all } };
    const one = /^\/v1\/printers\/([^/]+)$/.exec(path);
    const printer = one ? all.find((p) => p.serial === decodeURIComponent(one[1]!)) : undefined;
    if (printer) return { status: 200, body: printer };
    if (path === '/v1/prints') return this.prints(request.query);
    if (path === '/v1/builds') {
      const prints = [...this.printers.values()].flatMap((p) =>
        [p.last, p.current].flatMap((x) => (x ? [{ ...this.printJson(x), printer_serial: p.serial }] : [])),
      );
      return {
        status: 200,
        body: { limit: 100, offset: 0, total_count: prints.length, [path.slice(4)]: prints },
      };
    }
    return { status: 404, body: { message: 'not found' } };
  }
}
