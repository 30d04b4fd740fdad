import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type UltimakerFault = 'silence' | 'garbage' | 'reboot' | null;

interface Job {
  name: string;
  uuid: string;
  total: number;
  elapsed: number;
  paused: boolean;
  started: string;
}

/**
 * An Ultimaker S5 as its local API shows it, on a real HTTP server: a job from start to finish
 * (heating, printing, pause, resume, finish or abort), an error state, history events, and the
 * faults a shop sees (a printer that stops answering, answers garbage, or reboots). `speed`
 * simulated seconds pass per real second, so a two-hour print can run in a test.
 */
export class UltimakerSimulator {
  private job: Job | undefined;
  private status: 'idle' | 'printing' | 'error' | 'maintenance' | 'booting' = 'idle';
  private fault: UltimakerFault = null;
  private readonly events: Array<{ time: string; type_id: number; message: string }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private lastTick = Date.now();
  private bed = 22;
  private nozzle = 22;
  readonly guid = randomUUID();
  private mdns: import('node:dgram').Socket | undefined;
  /** Requests answered (or held, when silent) since start: benchmarks count the load on the printer. */
  requests = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly speed: number,
    readonly name: string,
  ) {}

  static async start(
    options: { port?: number; speed?: number; name?: string } = {},
  ): Promise<UltimakerSimulator> {
    let sim: UltimakerSimulator | undefined;
    const server = createServer((req, res) => sim!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
    sim = new UltimakerSimulator(
      server,
      (server.address() as AddressInfo).port,
      options.speed ?? 1,
      options.name ?? 'ultimaker-s5',
    );
    server.on('connection', (socket) => {
      sim!.sockets.add(socket);
      socket.on('close', () => sim!.sockets.delete(socket));
    });
    return sim;
  }

  /** Answers DNS-SD queries for `_ultimaker._tcp.local` as the printer's mDNS responder does. */
  async startMdnsResponder(): Promise<number> {
    const { createSocket } = await import('node:dgram');
    const { serviceResponse } = await import('../../sdk/mdns.ts');
    const socket = createSocket('udp4');
    socket.on('message', (query, from) => {
      if (!query.includes(Buffer.from('_ultimaker'))) return;
      const answer = serviceResponse({
        service: '_ultimaker._tcp.local',
        instance: `${this.name}._ultimaker._tcp.local`,
        host: `${this.name}.local`,
        port: this.port,
        address: '127.0.0.1',
        txt: { name: this.name, machine: '9051.0', firmware_version: '5.8.2.20231212', type: 'printer' },
      });
      socket.send(answer, from.port, from.address);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    this.mdns = socket;
    return socket.address().port;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Whether a job is on the printer. */
  get busy(): boolean {
    this.advance();
    return this.job !== undefined;
  }

  startJob(name: string, durationSeconds: number): string {
    this.advance();
    this.job = {
      name,
      uuid: randomUUID(),
      total: durationSeconds,
      elapsed: 0,
      paused: false,
      started: new Date().toISOString(),
    };
    this.status = 'printing';
    this.event(0x20001, `Print job ${name} started`);
    return this.job.uuid;
  }

  pause(): void {
    this.advance();
    if (this.job) this.job.paused = true;
    this.event(0x20003, 'Print job paused');
  }

  resume(): void {
    this.advance();
    if (this.job) this.job.paused = false;
    this.event(0x20004, 'Print job resumed');
  }

  /** The printer stops with an error (e.g. a flow sensor), keeping the job. */
  fail(message = 'Flow sensor error on extruder 1'): void {
    this.advance();
    this.status = 'error';
    this.event(0x10001, message);
  }

  clearError(): void {
    this.status = this.job ? 'printing' : 'idle';
  }

  setFault(fault: UltimakerFault): void {
    this.fault = fault;
    if (fault !== 'silence') {
      for (const res of this.hanging) res.destroy();
      this.hanging.clear();
    }
  }

  /** A reboot: connections refused for `ms`, then the printer answers again, idle, job lost. */
  async reboot(ms: number): Promise<void> {
    await this.closeServer();
    this.job = undefined;
    this.status = 'idle';
    await new Promise((r) => setTimeout(r, ms));
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', () => resolve()));
    this.event(0x1, 'Printer started');
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.mdns?.close();
    await this.closeServer();
  }

  private async closeServer(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  /** Moves simulated time forward to now: job progress, temperatures, the end of the job. */
  private advance(): void {
    const now = Date.now();
    const seconds = ((now - this.lastTick) / 1000) * this.speed;
    this.lastTick = now;
    const printing = this.status === 'printing' && this.job && !this.job.paused;
    const approach = (current: number, target: number) =>
      current + (target - current) * Math.min(1, seconds / 30);
    this.bed = approach(this.bed, printing ? 60 : 22);
    this.nozzle = approach(this.nozzle, printing ? 210 : 22);
    if (printing && this.job) {
      this.job.elapsed = Math.min(this.job.total, this.job.elapsed + seconds);
      if (this.job.elapsed >= this.job.total) {
        this.event(0x20002, `Print job ${this.job.name} finished`);
        this.job = undefined;
        this.status = 'idle';
      }
    }
  }

  private event(typeId: number, message: string): void {
    this.events.push({
      time: new Date(Date.now() + this.events.length).toISOString(),
      type_id: typeId,
      message,
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    if (this.fault === 'silence') {
      this.hanging.add(res);
      return;
    }
    if (this.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "idl');
      return;
    }
    this.advance();
    const [status, document] = this.route((req.url ?? '/').split('?')[0]!);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  }

  /** The printer's answer to a GET of `path`: status and JSON document. */
  private route(path: string): [number, unknown] {
    switch (path) {
      case '/api/v1/system':
        return [
          200,
          {
            firmware: '5.8.2.20231212',
            name: this.name,
            guid: this.guid,
            variant: 'Ultimaker S5',
            platform: 'Linux',
          },
        ];
      case '/api/v1/printer':
        return [
          200,
          {
            status: this.status,
            bed: {
              temperature: { current: round(this.bed), target: this.status === 'printing' ? 60 : 0 },
              type: 'glass',
            },
            heads: [
              {
                extruders: [
                  {
                    hotend: {
                      id: 'AA 0.4',
                      temperature: {
                        current: round(this.nozzle),
                        target: this.status === 'printing' ? 210 : 0,
                      },
                    },
                  },
                  { hotend: { id: 'BB 0.4', temperature: { current: 22, target: 0 } } },
                ],
              },
            ],
          },
        ];
      case '/api/v1/print_job':
        if (!this.job) return [404, { message: 'Not found' }];
        return [
          200,
          {
            name: this.job.name,
            uuid: this.job.uuid,
            state: this.job.paused ? 'paused' : 'printing',
            progress: round(this.job.elapsed / this.job.total, 4),
            time_elapsed: Math.round(this.job.elapsed),
            time_total: this.job.total,
            datetime_started: this.job.started,
          },
        ];
      case '/api/v1/history/events':
        return [200, this.events.slice(-50)];
      default:
        return [404, { message: 'Not found' }];
    }
  }
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
