import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toSnapshot } from './map.ts';
import type { PrinterDoc, PrintJobDoc } from './protocol.ts';

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
