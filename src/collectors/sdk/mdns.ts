import { createSocket } from 'node:dgram';

/** One service instance found by a DNS-SD query (RFC 6763). */
export interface MdnsService {
  instance: string;
  host: string;
  port: number;
  address: string | undefined;
  txt: Record<string, string>;
}

export interface DnsRecord {
  name: string;
  type: number;
  data: string | { port: number; target: string } | Record<string, string>;
}

const TYPE = { A: 1, PTR: 12, TXT: 16, SRV: 33 } as const;

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([Buffer.byteLength(p)]), Buffer.from(p)])),
    Buffer.from([0]),
  ]);
}

/** A one-question PTR query, asking for unicast answers (a "legacy" query from a random port). */
export function ptrQuery(service: string): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPE.PTR, 0);
  tail.writeUInt16BE(0x8001, 2); // class IN, unicast response wanted
  return Buffer.concat([header, encodeName(service), tail]);
}

function readName(buffer: Buffer, start: number): [string, number] {
  const labels: string[] = [];
  let offset = start;
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    const length = buffer[offset];
    if (length === undefined) throw new Error('truncated name');
    if (length === 0) {
      offset += 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      if (end < 0) end = offset + 2;
      offset = ((length & 0x3f) << 8) | buffer[offset + 1]!;
      continue;
    }
    labels.push(buffer.toString('utf8', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return [labels.join('.'), end >= 0 ? end : offset];
}

/** Every record of a DNS message (answers, authority, additional); unknown types are skipped. */
export function parseRecords(buffer: Buffer): DnsRecord[] {
  const questions = buffer.readUInt16BE(4);
  const total = buffer.readUInt16BE(6) + buffer.readUInt16BE(8) + buffer.readUInt16BE(10);
  let offset = 12;
  for (let i = 0; i < questions; i++) offset = readName(buffer, offset)[1] + 4;
  const records: DnsRecord[] = [];
  for (let i = 0; i < total; i++) {
    const [name, next] = readName(buffer, offset);
    const type = buffer.readUInt16BE(next);
    const length = buffer.readUInt16BE(next + 8);
    const data = next + 10;
    if (type === TYPE.PTR) records.push({ name, type, data: readName(buffer, data)[0] });
    else if (type === TYPE.A)
      records.push({ name, type, data: [...buffer.subarray(data, data + 4)].join('.') });
    else if (type === TYPE.SRV) {
      records.push({
        name,
        type,
        data: { port: buffer.readUInt16BE(data + 4), target: readName(buffer, data + 6)[0] },
      });
    } else if (type === TYPE.TXT) {
      const txt: Record<string, string> = {};
      for (let p = data; p < data + length; ) {
        const len = buffer[p]!;
        const entry = buffer.toString('utf8', p + 1, p + 1 + len);
        const eq = entry.indexOf('=');
        if (eq > 0) txt[entry.slice(0, eq)] = entry.slice(eq + 1);
        p += 1 + len;
      }
      records.push({ name, type, data: txt });
    }
    offset = data + length;
  }
  return records;
}

/** Builds a response (used by simulators): PTR, SRV, TXT and A records for one instance. */
export function serviceResponse(service: MdnsService & { service: string }): Buffer {
  const record = (name: string, type: number, rdata: Buffer) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(120, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([encodeName(name), fixed, rdata]);
  };
  const srv = Buffer.alloc(6);
  srv.writeUInt16BE(service.port, 4);
  const txt = Buffer.concat(
    Object.entries(service.txt).map(([k, v]) => {
      const entry = Buffer.from(`${k}=${v}`);
      return Buffer.concat([Buffer.from([entry.length]), entry]);
    }),
  );
  const records = [
    record(service.service, TYPE.PTR, encodeName(service.instance)),
    record(service.instance, TYPE.SRV, Buffer.concat([srv, encodeName(service.host)])),
    record(service.instance, TYPE.TXT, txt),
    record(service.host, TYPE.A, Buffer.from((service.address ?? '127.0.0.1').split('.').map(Number))),
  ];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x8400, 2);
  header.writeUInt16BE(1, 6);
  header.writeUInt16BE(3, 10);
  return Buffer.concat([header, ...records]);
}

/**
 * Asks the local network for instances of a DNS-SD service (`_ultimaker._tcp.local`) and gathers
 * the answers for `ms`. The query goes from a random port, so responders answer it directly
 * (RFC 6762 §6.7): no multicast group to join, no port 5353 to share with the OS's own responder.
 */
export async function browse(
  service: string,
  ms: number,
  target: { address: string; port: number } = { address: '224.0.0.251', port: 5353 },
): Promise<MdnsService[]> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const records: DnsRecord[] = [];
  socket.on('message', (message) => {
    try {
      records.push(...parseRecords(message));
    } catch {
      // Another device's malformed packet: not ours to report.
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => resolve());
  });
  const query = ptrQuery(service);
  await new Promise<void>((resolve) => socket.send(query, target.port, target.address, () => resolve()));
  await new Promise((r) => setTimeout(r, ms));
  await new Promise<void>((r) => socket.close(() => r()));
  const instances = new Set(
    records.filter((r) => r.type === TYPE.PTR && r.name === service).map((r) => r.data as string),
  );
  return [...instances].flatMap((instance) => {
    const srv = records.find((r) => r.type === TYPE.SRV && r.name === instance)?.data as
      | { port: number; target: string }
      | undefined;
    if (!srv) return [];
    const txt = (records.find((r) => r.type === TYPE.TXT && r.name === instance)?.data ?? {}) as Record<
      string,
      string
    >;
    const address = records.find((r) => r.type === TYPE.A && r.name === srv.target)?.data as
      | string
      | undefined;
    return [{ instance, host: srv.target, port: srv.port, address, txt }];
  });
}
