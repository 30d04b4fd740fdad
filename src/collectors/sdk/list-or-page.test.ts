import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { listOrPage } from './list-or-page.ts';

const printers = listOrPage(
  z.looseObject({ serial: z.string(), status: z.string() }),
  ['results', 'devices'],
  3,
);

test('a list bare or in a page reads the same; a bad entry is named with its field, not "Invalid input"', () => {
  const one = { serial: 'A', status: 'IDLE' };
  assert.deepEqual(printers.parse([one]), [one]);
  assert.deepEqual(printers.parse({ results: [one], next: null }), [one]);
  assert.deepEqual(printers.parse({ devices: [one] }), [one]);
  const bad = printers.safeParse({ results: [one, { serial: 'B', status: 7 }] });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0]?.path, [1, 'status']);
  const long = printers.safeParse(Array.from({ length: 4 }, () => one));
  assert.match(long.error?.issues[0]?.message ?? '', /<=3|3 items|too big/i);
  assert.equal(printers.safeParse({ other: [] }).success, false);
  assert.equal(printers.safeParse('nope').success, false);
});
