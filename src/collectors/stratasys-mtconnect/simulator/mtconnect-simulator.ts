import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Item {
  id: string;
  name: string;
  category: 'Events' | 'Samples' | 'Condition';
  component: string;
  type?: string;
  subType?: string;
}

interface Stored {
  sequence: number;
  item: Item;
  value: string;
  timestamp: string;
  /** Conditions: Normal, Warning or Fault (the element name). */
  level?: string;
}

const ITEMS: Item[] = [
  { id: 'avail', name: 'Availability', category: 'Events', component: 'Device' },
  { id: 'serial', name: 'SerialNumber', category: 'Events', component: 'Device' },
  { id: 'fw', name: 'FirmwareVersion', category: 'Events', component: 'Device' },
  { id: 'exec', name: 'Execution', category: 'Events', component: 'Controller' },
  { id: 'program', name: 'Program', category: 'Events', component: 'Controller' },
  { id: 'parts', name: 'PartCount', category: 'Events', component: 'Controller' },
  { id: 'chamber_t', name: 'Temperature', category: 'Samples', component: 'Chamber' },
  { id: 'head_t', name: 'Temperature', category: 'Samples', component: 'ModelHead' },
  { id: 'system', name: 'System', category: 'Condition', component: 'Controller', type: 'SYSTEM' },
];

/**
 * The standard MTConnect layout (what a current agent publishes): `Firmware` with subType VERSION
 * (and RELEASE_DATE), `PartCount` ALL and TARGET, `Program` MAIN and ACTIVE, `ControllerMode`.
 */
const STANDARD_ITEMS: Item[] = [
  ...ITEMS.filter((i) => !['fw', 'program', 'parts'].includes(i.id)),
  { id: 'fw', name: 'Firmware', category: 'Events', component: 'Device', subType: 'VERSION' },
  { id: 'fw_date', name: 'Firmware', category: 'Events', component: 'Device', subType: 'RELEASE_DATE' },
  { id: 'mode', name: 'ControllerMode', category: 'Events', component: 'Controller' },
  { id: 'program', name: 'Program', category: 'Events', component: 'Controller', subType: 'MAIN' },
  { id: 'program_active', name: 'Program', category: 'Events', component: 'Controller', subType: 'ACTIVE' },
  { id: 'parts', name: 'PartCount', category: 'Events', component: 'Controller', subType: 'ALL' },
  { id: 'parts_target', name: 'PartCount', category: 'Events', component: 'Controller', subType: 'TARGET' },
];

export interface MtconnectSimulatorOptions {
  bufferSize?: number;
  /**
   * `stratasys` (default): `FirmwareVersion`, one `Program` and one `PartCount` without subType.
   * `standard`: the data items of the MTConnect standard, with subTypes and `ControllerMode`.
   */
  layout?: 'stratasys' | 'standard';
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A Stratasys F370 behind an MTConnect agent, on a real HTTP server: `/probe`, `/current` and
 * `/sample?from=&count=` with sequence numbers, a bounded buffer (old observations fall out), an
 * instance id that changes when the agent restarts, a print job (Execution, Program, PartCount,
 * temperatures every quarter second) and a fault condition.
 */
export class MtconnectSimulator {
  private buffer: Stored[] = [];
  private nextSequence = 1;
  private instanceId = Math.floor(Date.now() / 1000);
  private timer: NodeJS.Timeout;
  private job: { name: string; endsAt: number } | undefined;
  private parts = 0;
  private down = false;
  private readonly items: Item[];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly bufferSize: number,
    private readonly layout: 'stratasys' | 'standard',
  ) {
    this.items = layout === 'standard' ? STANDARD_ITEMS : ITEMS;
    this.resetValues();
    this.timer = setInterval(() => this.tick(), 250);
  }

  static async start(options: MtconnectSimulatorOptions = {}): Promise<MtconnectSimulator> {
    let sim: MtconnectSimulator | undefined;
    const server = createServer((req, res) => sim!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    sim = new MtconnectSimulator(
      server,
      (server.address() as AddressInfo).port,
      options.bufferSize ?? 4096,
      options.layout ?? 'stratasys',
    );
    return sim;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  get instance(): number {
    return this.instanceId;
  }

  /** Every sequence number the agent ever issued in this instance, for tests. */
  get issued(): number {
    return this.nextSequence - 1;
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  startJob(name: string, ms: number): void {
    this.job = { name, endsAt: Date.now() + ms };
    this.set('program', name);
    // Standard layout: the running subprogram comes after the main one (a higher sequence).
    if (this.standard) this.set('program_active', `${name}:support`);
    this.set('exec', 'ACTIVE');
  }

  /** Any `Execution` value (WAIT, PROGRAM_OPTIONAL_STOP…), as a controller would publish it. */
  setExecution(value: string): void {
    this.set('exec', value);
  }

  /** Standard layout: the `ControllerMode` (AUTOMATIC, MANUAL, SEMI_AUTOMATIC, EDIT…). */
  setControllerMode(mode: string): void {
    this.set('mode', mode);
  }

  private get standard(): boolean {
    return this.layout === 'standard';
  }

  /** Standard layout: the part count's target, published after the count (a higher sequence). */
  private setParts(): void {
    this.set('parts', String(this.parts));
    if (this.standard) this.set('parts_target', '10');
  }

  interrupt(): void {
    this.set('exec', 'INTERRUPTED');
  }

  resume(): void {
    if (this.job) this.set('exec', 'ACTIVE');
  }

  fault(text: string): void {
    this.set('system', text, 'Fault');
    this.set('exec', 'STOPPED');
    this.job = undefined;
  }

  clearFault(): void {
    this.set('system', '', 'Normal');
    this.set('exec', 'READY');
  }

  /** `n` temperature samples at once (a long time of history in a moment). */
  burst(n: number): void {
    for (let i = 0; i < n; i++) this.set('chamber_t', (25 + (i % 10) / 10).toFixed(1));
  }

  /** The agent process restarts: a new instance id, sequences from 1 again. */
  restartAgent(): void {
    this.instanceId++;
    this.buffer = [];
    this.nextSequence = 1;
    this.resetValues();
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private resetValues(): void {
    this.set('avail', 'AVAILABLE');
    this.set('serial', 'F370-0099123');
    this.set('fw', '1.7.2.0');
    if (this.standard) {
      this.set('fw_date', '2024-03-01');
      this.set('mode', 'AUTOMATIC');
    }
    this.set('exec', this.job ? 'ACTIVE' : 'READY');
    this.set('program', this.job?.name ?? 'UNAVAILABLE');
    if (this.standard) this.set('program_active', this.job ? `${this.job.name}:support` : 'UNAVAILABLE');
    this.setParts();
    this.set('chamber_t', '25');
    this.set('head_t', '30');
    this.set('system', '', 'Normal');
  }

  private set(id: string, value: string, level?: string): void {
    const item = this.items.find((i) => i.id === id)!;
    this.buffer.push({
      sequence: this.nextSequence++,
      item,
      value,
      timestamp: new Date().toISOString(),
      ...(level ? { level } : {}),
    });
    if (this.buffer.length > this.bufferSize) this.buffer.shift();
  }

  private tick(): void {
    const job = this.job;
    const hot = job !== undefined;
    this.set('chamber_t', (hot ? 95 + Math.random() : 25 + Math.random()).toFixed(1));
    this.set('head_t', (hot ? 320 + Math.random() * 2 : 30 + Math.random()).toFixed(1));
    if (job && Date.now() >= job.endsAt) {
      this.job = undefined;
      this.parts++;
      this.setParts();
      this.set('exec', 'READY');
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    if (this.down) {
      res.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname.replace(/^\/(F370\/)?/, '/');
    if (path === '/probe') return this.xml(res, 200, this.probe());
    if (path === '/current') {
      const latest = new Map<string, Stored>();
      for (const s of this.buffer) latest.set(s.item.id, s);
      return this.xml(res, 200, this.streams([...latest.values()], this.nextSequence));
    }
    if (path === '/sample') {
      const first = this.buffer[0]?.sequence ?? this.nextSequence;
      const from = Number(url.searchParams.get('from') ?? first);
      const count = Math.min(10_000, Number(url.searchParams.get('count') ?? 100));
      if (!Number.isInteger(from) || from < first || from > this.nextSequence) {
        return this.xml(
          res,
          400,
          `<?xml version="1.0"?><MTConnectError><Header instanceId="${this.instanceId}"/><Errors><Error errorCode="OUT_OF_RANGE">'from' must be between ${first} and ${this.nextSequence}</Error></Errors></MTConnectError>`,
        );
      }
      const window = this.buffer.filter((s) => s.sequence >= from).slice(0, count);
      const next = window.length > 0 ? window[window.length - 1]!.sequence + 1 : from;
      return this.xml(res, 200, this.streams(window, next));
    }
    this.xml(
      res,
      404,
      '<MTConnectError><Errors><Error errorCode="UNSUPPORTED">unknown request</Error></Errors></MTConnectError>',
    );
  }

  private header(next: number): string {
    const first = this.buffer[0]?.sequence ?? this.nextSequence;
    return `<Header creationTime="${new Date().toISOString()}" sender="sim" instanceId="${this.instanceId}" version="2.2.0" bufferSize="${this.bufferSize}" firstSequence="${first}" lastSequence="${this.nextSequence - 1}" nextSequence="${next}"/>`;
  }

  private streams(observations: Stored[], next: number): string {
    const components = new Map<string, Stored[]>();
    for (const o of observations)
      components.set(o.item.component, [...(components.get(o.item.component) ?? []), o]);
    const body = [...components.entries()]
      .map(([component, list]) => {
        const group = (category: Item['category']) => {
          const items = list.filter((o) => o.item.category === category);
          if (items.length === 0) return '';
          const xml = items
            .map((o) => {
              const tag = category === 'Condition' ? (o.level ?? 'Normal') : o.item.name;
              const type = o.item.type ? ` type="${o.item.type}"` : '';
              const subType = o.item.subType ? ` subType="${o.item.subType}"` : '';
              return `<${tag} dataItemId="${o.item.id}" sequence="${o.sequence}" timestamp="${o.timestamp}"${type}${subType}>${esc(o.value)}</${tag}>`;
            })
            .join('');
          return `<${category}>${xml}</${category}>`;
        };
        return `<ComponentStream component="${component}" name="${component}">${group('Samples')}${group('Events')}${group('Condition')}</ComponentStream>`;
      })
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?><MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.2">${this.header(next)}<Streams><DeviceStream name="F370" uuid="F370-0099123">${body}</DeviceStream></Streams></MTConnectStreams>`;
  }

  private probe(): string {
    const items = this.items
      .map(
        (i) =>
          `<DataItem id="${i.id}" category="${i.category === 'Samples' ? 'SAMPLE' : i.category === 'Events' ? 'EVENT' : 'CONDITION'}" type="${i.type ?? i.name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}"${i.subType ? ` subType="${i.subType}"` : ''}/>`,
      )
      .join('');
    return `<?xml version="1.0"?><MTConnectDevices>${this.header(this.nextSequence)}<Devices><Device id="f370" name="F370" uuid="F370-0099123"><DataItems>${items}</DataItems></Device></Devices></MTConnectDevices>`;
  }

  private xml(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(body);
  }
}
