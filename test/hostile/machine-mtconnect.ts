/**
 * A hostile MTConnect agent (HTTP/XML) for a Stratasys F370: healthy until switched to a hostile
 * mode, then answering XML nested 20,000 levels deep or a body that never ends. Used by
 * `http-machines.test.ts` against the agent as it ships.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { type Expectation, listen, MB, pump, shut, track } from './machine-kit.ts';

export type MtconnectHostility = 'healthy' | 'deep-xml' | 'endless-body';

export const MTCONNECT_EXPECTED: Record<Exclude<MtconnectHostility, 'healthy'>, Expectation> = {
  'deep-xml': { error: /not XML/, state: /^error$/ },
  'endless-body': { error: /larger than 16 MB/, state: /^error$/ },
};

const STREAMS_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?><MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.2">' +
  '<Header creationTime="2024-05-02T10:00:00Z" sender="hostile" instanceId="7" version="2.2.0" bufferSize="1000" firstSequence="1" lastSequence="3" nextSequence="4"/>';

function streamsDocument(): string {
  return (
    `${STREAMS_HEAD}<Streams><DeviceStream name="F370" uuid="F370-HOSTILE"><ComponentStream component="Device" name="F370">` +
    '<Events><Availability dataItemId="avail" sequence="1" timestamp="2024-05-02T10:00:00Z">AVAILABLE</Availability>' +
    '<Execution dataItemId="exec" sequence="2" timestamp="2024-05-02T10:00:00Z">READY</Execution>' +
    '<SerialNumber dataItemId="sn" sequence="3" timestamp="2024-05-02T10:00:00Z">F370-HOSTILE</SerialNumber></Events>' +
    '</ComponentStream></DeviceStream></Streams></MTConnectStreams>'
  );
}

const DEEP_XML = `${STREAMS_HEAD}<Streams>${'<DeviceStream>'.repeat(20_000)}${'</DeviceStream>'.repeat(20_000)}</Streams></MTConnectStreams>`;
/** Observations without end: 1 MB of them, sent again and again. */
const XML_FILLER = Buffer.from(
  '<Execution dataItemId="exec" sequence="2" timestamp="2024-05-02T10:00:00Z">ACTIVE</Execution>'
    .repeat(Math.ceil(MB / 96))
    .slice(0, MB),
);

/** An MTConnect agent (`/current`, `/sample`) that answers deep XML or a body that never ends. */
export class HostileMtconnect {
  mode: MtconnectHostility = 'healthy';
  bytesSent = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<HostileMtconnect> {
    let machine: HostileMtconnect | undefined;
    const server = createHttpServer((req, res) => machine!.handle(req, res));
    server.requestTimeout = 0;
    const port = await listen(server);
    machine = new HostileMtconnect(server, port);
    track(server, machine.sockets);
    return machine;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async close(): Promise<void> {
    await shut(this.server, this.sockets);
  }

  private handle(_req: IncomingMessage, res: ServerResponse) {
    res.on('error', () => undefined);
    const sent = (n: number) => (this.bytesSent += n);
    const xml = (text: string) => {
      sent(Buffer.byteLength(text));
      res.writeHead(200, { 'content-type': 'application/xml' }).end(text);
    };
    switch (this.mode) {
      case 'healthy':
        return xml(streamsDocument());
      case 'deep-xml':
        return xml(DEEP_XML);
      case 'endless-body':
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.write(`${STREAMS_HEAD}<Streams><DeviceStream><ComponentStream><Events>`);
        return pump(res, XML_FILLER, Number.MAX_SAFE_INTEGER, sent);
    }
  }
}
