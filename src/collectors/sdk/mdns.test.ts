import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { type TestContext, test } from 'node:test';
import { browse, parseRecords, ptrQuery, serviceResponse } from './mdns.ts';

test('DNS-SD answers parse, including names compressed with pointers as real responders send them', () => {
  const plain = parseRecords(
    serviceResponse({
      service: '_ultimaker._tcp.local',
      instance: 'um._ultimaker._tcp.local',
      host: 'um.local',
      port: 80,
      address: '10.0.0.5',
      txt: { name: 'um' },
    }),
  );
  assert.deepEqual(
    plain.map((r) => r.type),
    [12, 33, 16, 1],
  );
  assert.equal(plain[3]!.data, '10.0.0.5');

  // A PTR whose target points back into the question: 0xC0 0x0C is "the name at offset 12".
  const query = ptrQuery('_ultimaker._tcp.local');
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(1, 6);
  const question = query.subarray(12);
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0); // owner name: pointer to the question's name
  rr.writeUInt16BE(12, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(120, 6);
  const rdata = Buffer.from([2, 0x75, 0x6d, 0xc0, 0x0c]); // "um" + pointer
  rr.writeUInt16BE(rdata.length, 10);
  const records = parseRecords(Buffer.concat([header, question, rr, rdata]));
  assert.deepEqual(records, [{ name: '_ultimaker._tcp.local', type: 12, data: 'um._ultimaker._tcp.local' }]);
});

/** A responder on 127.0.0.1 that answers every query with `answers(query)`, datagram by datagram. */
async function responder(t: TestContext, answers: () => Buffer[]): Promise<number> {
  const socket = createSocket('udp4');
  socket.on('message', (_query, from) => {
    for (const answer of answers()) socket.send(answer, from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  t.after(() => socket.close());
  return socket.address().port;
}

/** 64 KB of compression pointers, each to the one before: dns-packet follows them without a limit. */
function pointerChain(): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x8400, 2);
  const chainLength = 16000;
  const base = 12 + 11;
  const chain = Buffer.alloc(chainLength * 2);
  for (let i = 1; i < chainLength; i++) chain.writeUInt16BE(0xc000 | (base + 2 * (i - 1)), 2 * i);
  const holder = Buffer.alloc(11); // an unknown-type record whose data is the chain
  holder.writeUInt16BE(99, 1);
  holder.writeUInt16BE(1, 3);
  holder.writeUInt16BE(chain.length, 9);
  const records: Buffer[] = [];
  for (let size = base + chain.length; size + 12 < 65000; size += 12) {
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc000 | (base + 2 * (chainLength - 1)), 0);
    record.writeUInt16BE(99, 2);
    record.writeUInt16BE(1, 4);
    records.push(record);
  }
  header.writeUInt16BE(1 + records.length, 6);
  return Buffer.concat([header, holder, chain, ...records]);
}

const SERVICE = '_ultimaker._tcp.local';
const instance = (name: string, txt: Record<string, string> = { name }) =>
  serviceResponse({
    service: SERVICE,
    instance: `${name}.${SERVICE}`,
    host: `${name}.local`,
    port: 8080,
    address: '10.0.0.7',
    txt,
  });

test('browse: garbage, oversized and crafted datagrams are skipped; the good answer is found', async (t) => {
  const crafted = pointerChain();
  const port = await responder(t, () => [
    Buffer.from('not a dns message'),
    Buffer.alloc(3),
    instance('big', {
      blob: 'b'.repeat(200),
      ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 'v'.repeat(200)])),
    }),
    ...Array.from({ length: 10 }, () => crafted),
    instance('good'),
  ]);
  const started = Date.now();
  const found = await browse(SERVICE, 400, { address: '127.0.0.1', port });
  assert.deepEqual(found, [
    {
      instance: `good.${SERVICE}`,
      host: 'good.local',
      port: 8080,
      address: '10.0.0.7',
      txt: { name: 'good' },
    },
  ]);
  // Decoded, the ten crafted datagrams would take about 2 s of CPU; dropped unread, none.
  assert.ok(Date.now() - started < 1400, `browse took ${Date.now() - started} ms`);
});

test('records that fail validation are skipped: an SRV on port 0, TXT entries without a key', () => {
  const packet = serviceResponse({
    service: SERVICE,
    instance: `x.${SERVICE}`,
    host: 'x.local',
    port: 0,
    address: '10.0.0.8',
    txt: { '': 'nokey', ok: 'yes' },
  });
  assert.deepEqual(
    parseRecords(packet).map((r) => [r.type, r.data]),
    [
      [12, `x.${SERVICE}`],
      [16, { ok: 'yes' }],
      [1, '10.0.0.8'],
    ],
  );
  assert.throws(() => parseRecords(Buffer.from([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0])));
});
