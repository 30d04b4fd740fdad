import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineSnapshot } from '../../shared/model/machine-snapshot.ts';
import { toPastJob, toSnapshot } from './map.ts';
import { modelFromBom } from './models.ts';
import { readAfter } from './paging.ts';
import { printerIso } from './printer-time.ts';
import { type PrinterDoc, type PrintJobDoc, printerDoc, printJobDoc } from './protocol.ts';

const printer = {
  status: 'printing',
  bed: { temperature: { current: 60, target: 60 } },
  heads: [{ extruders: [{ hotend: { temperature: { current: 210, target: 210 } } }] }],
} as unknown as PrinterDoc;

const job = (state: PrintJobDoc['state'], result?: string): PrintJobDoc => ({
  name: 'bracket',
  uuid: 'u-1',
  state,
  progress: state === 'printing' ? 0.5 : 1,
  time_elapsed: 100,
  time_total: 200,
  ...(result ? { result } : {}),
});

test('an ended job the printer still shows carries its result; a running one none', () => {
  assert.equal(toSnapshot(printer, job('printing'), undefined).job?.result, undefined);
  assert.equal(toSnapshot(printer, job('wait_cleanup', 'Finished'), undefined).job?.result, 'finished');
  assert.equal(toSnapshot(printer, job('wait_cleanup', 'Aborted'), undefined).job?.result, 'cancelled');
  assert.equal(toSnapshot(printer, job('post_print', 'Failed'), undefined).job?.result, 'failed');
  // A result while still printing is not an end (only post_print and wait_cleanup are).
  assert.equal(toSnapshot(printer, job('printing', 'Finished'), undefined).job?.result, undefined);
});

test('a status Echo does not know is unknown (reported once to the caller), never a schema failure', () => {
  const unknown: string[] = [];
  const doc = printerDoc.safeParse({ ...printer, status: 'wait_for_peripherals' });
  assert.ok(doc.success, 'the printer document with a new status is accepted');
  const snapshot = toSnapshot(doc.data, undefined, undefined, {
    onUnknown: (field, value) => unknown.push(`${field}=${value}`),
  });
  assert.equal(snapshot.state, 'unknown');
  assert.deepEqual(snapshot.errors, []);
  assert.deepEqual(unknown, ['status=wait_for_peripherals']);
  assert.equal(toSnapshot({ ...printer, status: 'booting' }, undefined, undefined).state, 'unknown');
  assert.equal(toSnapshot({ ...printer, status: 'maintenance' }, undefined, undefined).state, 'maintenance');
  // A job state Echo does not know is accepted too.
  assert.ok(printJobDoc.safeParse({ ...job('printing'), state: 'wait_for_peripherals' }).success);
});

test('wait_cleanup is the end of the job: idle, finished (or the result the printer gives)', () => {
  const ended = toSnapshot(printer, job('wait_cleanup'), undefined);
  assert.equal(ended.state, 'idle');
  assert.equal(ended.job?.result, 'finished');
  assert.equal(ended.job?.id, 'u-1');
  assert.equal(toSnapshot(printer, job('wait_cleanup', 'Aborted'), undefined).job?.result, 'cancelled');
  assert.equal(toSnapshot(printer, job('paused'), undefined).state, 'paused');
  assert.equal(toSnapshot(printer, job('printing'), undefined).state, 'printing');
});

test('system/guid is not the serial number: the serial comes from the config or stays unset', () => {
  const system = { firmware: '5.8.2', guid: 'c6a8d3b0-guid' };
  assert.equal(toSnapshot(printer, undefined, system).serialNumber, undefined);
  assert.equal(toSnapshot(printer, undefined, system, { serialNumber: 'S5-1234' }).serialNumber, 'S5-1234');
});

test('the mDNS machine value is a BOM number: known ones name the model, others say so', () => {
  assert.equal(modelFromBom('9066.0'), 'Ultimaker 3');
  assert.equal(modelFromBom('9051.0'), 'Ultimaker S5');
  assert.equal(modelFromBom('214475.1'), 'Ultimaker S5');
  assert.equal(modelFromBom('213482.0'), 'Ultimaker S3');
  assert.equal(modelFromBom('5078167'), 'UltiMaker S7');
  assert.equal(modelFromBom('777.0'), 'unknown model (BOM 777)');
});

test("times without a zone are the printer's local time, read as this PC's local time", () => {
  const saved = process.env.TZ;
  process.env.TZ = 'America/New_York';
  try {
    assert.equal(printerIso('2024-05-02T14:03:11'), '2024-05-02T18:03:11.000Z');
    assert.equal(printerIso('2024-05-02T14:03:11.250000'), '2024-05-02T18:03:11.250Z');
    assert.equal(printerIso('2024-05-02T14:03:11Z'), '2024-05-02T14:03:11.000Z');
    assert.equal(printerIso('2024-05-02T14:03:11+02:00'), '2024-05-02T12:03:11.000Z');
    assert.equal(printerIso('yesterday'), undefined);
    const past = toPastJob({
      uuid: 'j-1',
      name: 'bracket',
      datetime_started: '2024-01-10T08:00:00',
      datetime_finished: '2024-01-10T09:30:00',
      result: 'Finished',
    });
    assert.deepEqual(past, {
      id: 'j-1',
      name: 'bracket',
      startedAt: '2024-01-10T13:00:00.000Z',
      endedAt: '2024-01-10T14:30:00.000Z',
      result: 'finished',
    });
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

for (const order of ['oldest-first', 'newest-first'] as const) {
  test(`history paging, offset 0 ${order}: what is after the watermark, oldest first, read to the end`, async () => {
    const all = Array.from({ length: 230 }, (_, i) => `2024-01-01T00:00:${String(i).padStart(4, '0')}`);
    const listed = order === 'oldest-first' ? all : [...all].reverse();
    const requests: number[] = [];
    const read = async (offset: number, count: number) => {
      requests.push(offset);
      return listed.slice(offset, offset + count);
    };
    const after = all[99]!;
    const got = await readAfter({ read, key: (k) => k, after, pageSize: 50, maxEntries: 1000 });
    assert.deepEqual(got.entries, all.slice(100));
    if (order === 'newest-first') assert.deepEqual(requests, [0, 50, 100], 'stops at the watermark');
    // Again from the hint: an oldest-first list is not read from its start each time.
    requests.length = 0;
    const again = await readAfter({
      read,
      key: (k) => k,
      after: all.at(-1),
      pageSize: 50,
      maxEntries: 1000,
      hint: got.hint,
    });
    assert.deepEqual(again.entries, []);
    if (order === 'oldest-first') assert.equal(requests[0], got.hint);
    assert.ok(requests.length <= 2, `${requests.length} requests`);
  });
}

test('a status that names what every object inherits is unknown (and told), and the snapshot is accepted', () => {
  for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const unknown: string[] = [];
    const snapshot = toSnapshot({ ...printer, status: word }, job('printing'), undefined, {
      onUnknown: (field, value) => unknown.push(`${field}=${value}`),
    });
    machineSnapshot.parse(snapshot);
    assert.equal(snapshot.state, 'unknown', word);
    assert.deepEqual(unknown, [`status=${word}`]);
  }
  // An ended job's result word goes through resultFromWord (a pattern test, no table).
  const ended = toSnapshot(printer, job('wait_cleanup', 'constructor'), undefined);
  machineSnapshot.parse(ended);
  assert.equal(ended.job?.result, 'failed');
});

test('a BOM number that names what every object inherits is an unknown model', () => {
  for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.equal(modelFromBom(`${word}.0`), `unknown model (BOM ${word})`);
  }
  assert.equal(modelFromBom('9051.0'), 'Ultimaker S5');
});
