import { createSocket, type Socket } from 'node:dgram';
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import makeMdns from 'multicast-dns';

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

/**
 * What one browse accepts from the network. RFC 6762 §17 caps a Multicast DNS message at 9000
 * bytes; a larger datagram is dropped before it is decoded (dns-packet follows compression
 * pointers without a hop limit, so a crafted 64 KB datagram costs about 200 ms of CPU; at 9000
 * bytes a few ms). Past `MAX_MESSAGES` datagrams or `MAX_RECORDS` records the rest is ignored.
 */
export const MDNS_LIMITS = { MAX_MESSAGE_BYTES: 9000, MAX_MESSAGES: 256, MAX_RECORDS: 1024 } as const;

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The query `browse` sends (dns-packet's encoding): one PTR question for `service`. */
function ptrQuestion(service: string): Packet & { questions: Question[] } {
  return { type: 'query', id: 0, flags: 0, questions: [{ name: service, type: 'PTR', class: 'IN' }] };
}

/** A one-question PTR query, as `browse` sends it from a random port (a "legacy" query). */
export function ptrQuery(service: string): Buffer {
  return dnsPacket.encode(ptrQuestion(service));
}

/** The records Echo reads (PTR, SRV, TXT, A), validated; anything else is skipped. */
function toRecords(answers: readonly Answer[]): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (const answer of answers) {
    const { name } = answer;
    if (typeof name !== 'string') continue;
    if (answer.type === 'PTR' && typeof answer.data === 'string')
      records.push({ name, type: TYPE.PTR, data: answer.data });
    else if (answer.type === 'A' && typeof answer.data === 'string' && IPV4.test(answer.data))
      records.push({ name, type: TYPE.A, data: answer.data });
    else if (answer.type === 'SRV') {
      const { port, target } = answer.data;
      if (Number.isInteger(port) && port > 0 && port <= 65535 && typeof target === 'string')
        records.push({ name, type: TYPE.SRV, data: { port, target } });
    } else if (answer.type === 'TXT') {
      const txt: Record<string, string> = Object.create(null);
      const entries = Array.isArray(answer.data) ? answer.data : [answer.data];
      for (const raw of entries) {
        const entry = typeof raw === 'string' ? raw : raw.toString('utf8');
        const eq = entry.indexOf('=');
        if (eq > 0) txt[entry.slice(0, eq)] = entry.slice(eq + 1);
      }
      records.push({ name, type: TYPE.TXT, data: { ...txt } });
    }
  }
  return records;
}

function recordsOf(packet: Packet): DnsRecord[] {
  return toRecords([...(packet.answers ?? []), ...(packet.authorities ?? []), ...(packet.additionals ?? [])]);
}

/**
 * Every record of a DNS message (answers, authority, additional); unknown types are skipped.
 * Decoded by dns-packet; a malformed message throws.
 */
export function parseRecords(buffer: Buffer): DnsRecord[] {
  return recordsOf(dnsPacket.decode(buffer));
}

/** Builds a response (used by simulators): PTR, SRV, TXT and A records for one instance. */
export function serviceResponse(service: MdnsService & { service: string }): Buffer {
  const answer = (name: string) => ({ name, class: 'IN' as const, ttl: 120 });
  return dnsPacket.encode({
    type: 'response',
    id: 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    answers: [{ ...answer(service.service), type: 'PTR', data: service.instance }],
    additionals: [
      {
        ...answer(service.instance),
        type: 'SRV',
        data: { port: service.port, target: service.host, priority: 0, weight: 0 },
      },
      {
        ...answer(service.instance),
        type: 'TXT',
        data: Object.entries(service.txt).map(([k, v]) => Buffer.from(`${k}=${v}`)),
      },
      { ...answer(service.host), type: 'A', data: service.address ?? '127.0.0.1' },
    ],
  });
}

/** The socket with datagrams `accept` refuses dropped before any listener (the decoder) sees them. */
function screened(socket: Socket, accept: (message: Buffer) => boolean): Socket {
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) =>
    event === 'message' && !accept(args[0] as Buffer) ? false : emit(event, ...args)) as Socket['emit'];
  return socket;
}

/**
 * Asks the local network for instances of a DNS-SD service (`_ultimaker._tcp.local`) and gathers
 * the answers for `ms`. The query goes from a random port, so responders answer it directly
 * (RFC 6762 §6.7): no multicast group to join, no port 5353 to share with the OS's own responder.
 * multicast-dns encodes the query and decodes the answers (dns-packet); the datagrams it decodes
 * and the records kept are bounded (`MDNS_LIMITS`), a malformed one is skipped.
 */
export async function browse(
  service: string,
  ms: number,
  target: { address: string; port: number } = { address: '224.0.0.251', port: 5353 },
): Promise<MdnsService[]> {
  let messages = 0;
  const socket = screened(
    createSocket({ type: 'udp4', reuseAddr: true }),
    (message) => message.length <= MDNS_LIMITS.MAX_MESSAGE_BYTES && ++messages <= MDNS_LIMITS.MAX_MESSAGES,
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // Port 0: the library neither binds (done above) nor joins a multicast group.
  const mdns = makeMdns({ socket, port: 0, multicast: false });
  const records: DnsRecord[] = [];
  mdns.on('response', (packet: Packet) => {
    const room = MDNS_LIMITS.MAX_RECORDS - records.length;
    if (room > 0) records.push(...recordsOf(packet).slice(0, room));
  });
  // A malformed datagram is a warning (another device's, not ours to report); socket errors too.
  mdns.on('warning', () => {});
  mdns.on('error', () => {});
  try {
    await new Promise<void>((resolve) => mdns.query(ptrQuestion(service), target, () => resolve()));
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    await new Promise<void>((r) => mdns.destroy(() => r()));
  }
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
