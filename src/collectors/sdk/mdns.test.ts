import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecords, ptrQuery, serviceResponse } from './mdns.ts';

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
