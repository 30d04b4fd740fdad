import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

const PACKET = 64;

/**
 * What a shop sees go wrong: `silence` (connects, never answers), `garbage` (something else on the
 * port), `oversize` (announces a file of a terabyte), `truncate` (drops the connection half-way
 * through the file), `babble` (floods the handshake), `badsize` (a size that is not digits).
 */
export type CatalystexFault = 'silence' | 'garbage' | 'oversize' | 'truncate' | 'babble' | 'badsize' | null;

interface SimJob {
  id: number;
  name: string;
  owner: string;
  layers: number;
  durationMs: number;
  estimate: number;
  submitTime: number;
}

interface RunningJob extends SimJob {
  startTime: number;
  /** Build time accumulated before the last resume, ms. */
  builtMs: number;
  resumedAt: number | undefined;
}

interface EndedJob extends RunningJob {
  completion: 'Completed' | 'Aborted';
}

/**
 * A uPrint SE Plus on its status port, on a real TCP socket: the `GetFile status.sts` exchange in
 * 64-byte NUL-padded packets (echo `SendFile`/`NA`, `OK`, the size in digits, `OK`, the file), a
 * queue of submitted jobs built one after another (layers counting up, pause, cancel, an error),
 * the previous job, and the faults above. `status` can be set to any word (an unknown state);
 * `omit` leaves sections or fields out of the file.
 */
export class CatalystexSimulator {
  status = 'Idle';
  explanation = '';
  fault: CatalystexFault = null;
  /** Sections (`general`, `queue`…) or `section.field` left out of the file. */
  readonly omit = new Set<string>();
  readonly serial = 'UPSE-P-1042';
  readonly model = 'uPrint SE Plus';
  readonly controller = '12.4.3152.0';
  queue: SimJob[] = [];
  current: RunningJob | EndedJob | undefined;
  previous: EndedJob | undefined;
  /** Exchanges served (a file sent in full). */
  served = 0;
  private nextId = 101;
  private server: Server | undefined;
  private portNumber = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timer: NodeJS.Timeout;

  private constructor() {
    this.timer = setInterval(() => this.tick(), 50);
  }

  static async start(): Promise<CatalystexSimulator> {
    const sim = new CatalystexSimulator();
    await sim.listen(0);
    return sim;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    return this.portNumber;
  }

  get busy(): boolean {
    return this.current !== undefined && !('completion' in this.current);
  }

  /** Sends a job to the printer's queue (CatalystEX "Print"); it builds in `durationMs`. */
  submit(name: string, options: { layers?: number; durationMs?: number; owner?: string } = {}): number {
    const id = this.nextId++;
    const durationMs = options.durationMs ?? 60_000;
    this.queue.push({
      id,
      name,
      owner: options.owner ?? 'cad-station-2',
      layers: options.layers ?? 400,
      durationMs,
      estimate: Math.max(1, Math.round(durationMs / 1000)),
      submitTime: Math.floor(Date.now() / 1000),
    });
    return id;
  }

  pause(): void {
    if (this.current && !('completion' in this.current) && this.status === 'Building') {
      this.current.builtMs = this.builtMs(this.current);
      this.current.resumedAt = undefined;
      this.status = 'Paused';
    }
  }

  resume(): void {
    if (this.current && !('completion' in this.current) && this.status === 'Paused') {
      this.current.resumedAt = Date.now();
      this.status = 'Building';
    }
  }

  cancel(): void {
    if (this.current && !('completion' in this.current)) this.end('Aborted');
  }

  fail(explanation: string): void {
    this.pause();
    this.status = 'Error';
    this.explanation = explanation;
  }

  clearError(): void {
    this.explanation = '';
    if (this.current && !('completion' in this.current)) {
      this.status = 'Paused';
      this.resume();
    } else this.status = 'Idle';
  }

  /** The machine switched off: the port refuses connections. */
  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((r) => server.close(r));
  }

  /** Switched on again, on the same port. */
  async up(): Promise<void> {
    if (!this.server) await this.listen(this.portNumber);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.down();
  }

  /** `status.sts` as the printer would send it now. */
  statusFile(): string {
    const now = Math.floor(Date.now() / 1000);
    const job = this.current;
    const elapsed = job ? Math.floor(this.builtMs(job) / 1000) : 0;
    const sections: Array<[string, string]> = [
      [
        'general',
        this.fields('general', [
          ['modelerStatus', this.status],
          ['modelerType', this.model],
          ['modelerExplanation', this.explanation],
          ['controllerVersion', this.controller],
          ['compatibleCMBVersion', '10.3'],
          ['elapsedBuildTime', String(elapsed)],
          ['partCurrentTemp', this.busy ? '300' : '70'],
          ['partSetTemp', this.busy ? '300' : '70'],
          ['supportCurrentTemp', this.busy ? '300' : '70'],
          ['supportSetTemp', this.busy ? '300' : '70'],
          ['envelopeCurrentTemp', '77'],
          ['envelopeSetTemp', '77'],
        ]),
      ],
      [
        'currentJob',
        job ? this.jobFields('currentJob', job, now) : this.fields('currentJob', [['jobName', '']]),
      ],
      [
        'previousJob',
        this.previous
          ? this.jobFields('previousJob', this.previous, now)
          : this.fields('previousJob', [['jobName', '']]),
      ],
      [
        'queue',
        `{${this.queue
          .map(
            (q) =>
              ` {-jobName {${q.name}}\t-jobId ${q.id}\t-owner {${q.owner}}\t-estimatedBuildTime ${q.estimate}\t-submitTime ${q.submitTime}}`,
          )
          .join('\t')} }`,
      ],
      [
        'mariner',
        this.fields('mariner', [
          ['internalState', `stt${this.status.replace(/\s+/g, '')}`],
          ['productSerialNumber', this.serial],
          ['productVersion', this.controller],
          ['doorOpen', 'false'],
          ['xyHomed', 'true'],
        ]),
      ],
      [
        'cassette',
        this.fields('cassette', [
          ['cassette1Type', 'ABSplus-P430'],
          ['cassette2Type', 'SR-30'],
        ]),
      ],
    ];
    return `${sections
      .filter(([name]) => !this.omit.has(name))
      .map(([name, body]) => `set machineStatus(${name}) ${body};\n`)
      .join('')}`;
  }

  private fields(section: string, pairs: Array<[string, string]>): string {
    const kept = pairs.filter(([key]) => !this.omit.has(`${section}.${key}`));
    return `{\n${kept.map(([key, value]) => `\t-${key} ${/^[\w.]+$/.test(value) ? value : `{${value}}`}`).join('\n')}\n}`;
  }

  private jobFields(section: string, job: RunningJob | EndedJob, _now: number): string {
    const built = Math.floor(this.builtMs(job) / 1000);
    const layer =
      'completion' in job
        ? job.layers
        : Math.min(job.layers, Math.floor((this.builtMs(job) / job.durationMs) * job.layers));
    return this.fields(section, [
      ['jobName', job.name],
      ['jobId', String(job.id)],
      ['owner', job.owner],
      ['currentLayer', String(layer)],
      ['totalLayers', String(job.layers)],
      ['estimatedBuildTime', String(job.estimate)],
      ['buildTime', String(built)],
      ['startTime', String(job.startTime)],
      ['submitTime', String(job.submitTime)],
      ['completionStatus', 'completion' in job ? job.completion : ''],
      ['partMatlName', 'ABSplus'],
      ['supportMatlName', 'SR-30'],
    ]);
  }

  private builtMs(job: RunningJob): number {
    return job.builtMs + (job.resumedAt !== undefined ? Date.now() - job.resumedAt : 0);
  }

  private tick(): void {
    const job = this.current;
    if (job && !('completion' in job)) {
      if (this.builtMs(job) >= job.durationMs) this.end('Completed');
      return;
    }
    if (this.status !== 'Idle' || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    this.current = { ...next, startTime: Math.floor(Date.now() / 1000), builtMs: 0, resumedAt: Date.now() };
    this.status = 'Building';
  }

  private end(completion: EndedJob['completion']): void {
    const job = this.current as RunningJob;
    job.builtMs = this.builtMs(job);
    job.resumedAt = undefined;
    const ended: EndedJob = { ...job, completion };
    this.current = ended;
    this.previous = ended;
    this.status = 'Idle';
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.portNumber = (server.address() as AddressInfo).port;
  }

  /** One connection: the GetFile exchange, packet by packet. */
  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    const request: string[] = [];
    let phase: 'request' | 'size' | 'data' | 'done' = 'request';
    let file = Buffer.alloc(0);
    const send = (text: string) => {
      const p = Buffer.alloc(PACKET);
      p.write(text, 'latin1');
      socket.write(p);
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > 64 * PACKET) return socket.destroy();
      while (buffer.length >= PACKET) {
        const raw = buffer.subarray(0, PACKET);
        buffer = buffer.subarray(PACKET);
        const end = raw.indexOf(0);
        const text = raw.subarray(0, end < 0 ? PACKET : end).toString('latin1');
        if (this.fault === 'silence') continue;
        if (phase === 'request') {
          request.push(text);
          if (text !== 'NA') continue;
          if (this.fault === 'garbage') {
            socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'.padEnd(PACKET * 2, ' '));
            continue;
          }
          if (this.fault === 'babble') {
            socket.write(Buffer.alloc(PACKET * 64, 0x53));
            continue;
          }
          send('SendFile');
          send('NA');
          phase = 'size';
        } else if (phase === 'size' && text === 'OK') {
          file = Buffer.from(
            request[0] === 'GetFile' && request[1] === 'status.sts' ? this.statusFile() : '',
            'latin1',
          );
          if (this.fault === 'oversize') send('1099511627776');
          else if (this.fault === 'badsize') send('NoSuchFile');
          else send(String(file.length));
          phase = 'data';
        } else if (phase === 'data' && text === 'OK') {
          phase = 'done';
          if (this.fault === 'truncate') {
            socket.write(file.subarray(0, Math.floor(file.length / 2)), () => socket.destroy());
          } else {
            socket.write(file);
            this.served++;
          }
        }
      }
    });
  }
}
