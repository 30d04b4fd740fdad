import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { fuzzRuns } from '../../../test/helpers/fuzz-runs.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { measure, mergeReport } from './merge.ts';

test('merge: present fields replace, absent ones stay, objects merge, arrays are replaced whole', () => {
  const state = { gcode_state: 'RUNNING', lights: { chamber: 'on', work: 'off' }, hms: [1, 2] };
  const merged = mergeReport(state, { lights: { work: 'on' }, hms: [3] });
  assert.deepEqual(merged, { gcode_state: 'RUNNING', lights: { chamber: 'on', work: 'on' }, hms: [3] });
  assert.deepEqual(state.lights, { chamber: 'on', work: 'off' }, 'the old state is not changed');
});

test('merge: a report nested 20,000 levels deep fails the printer, without recursion', () => {
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 20_000; i++) {
    const next = {};
    deep.x = next;
    deep = next;
  }
  assert.throws(
    () => mergeReport({}, root),
    (e: unknown) =>
      e instanceof CollectorError && e.failure === 'protocol' && /deeper than 32/.test(e.message),
  );
});

test('merge: a state that keeps growing is capped; __proto__ keys never touch a prototype', () => {
  let state: Record<string, unknown> = {};
  assert.throws(() => {
    for (let i = 0; i < 200; i++) {
      const update = Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`k${i}_${k}`, k]));
      state = mergeReport(state, update, { maxDepth: 32, maxFields: 10_000 });
    }
  }, /grew past 10000 fields/);
  const merged = mergeReport({}, JSON.parse('{"__proto__":{"polluted":1},"a":1}') as Record<string, unknown>);
  assert.deepEqual(Object.keys(merged), ['a']);
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
});

test('property: merging is what a recursive merge gives, for any reports', () => {
  const recursive = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const old = out[k];
      const obj = (x: unknown): x is Record<string, unknown> =>
        typeof x === 'object' && x !== null && !Array.isArray(x);
      out[k] = obj(v) && obj(old) ? recursive(old, v) : v;
    }
    return out;
  };
  const report = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 });
  fc.assert(
    fc.property(report, report, (a, b) => {
      const clean = (o: Record<string, unknown>) =>
        JSON.parse(JSON.stringify(o).replaceAll('"__proto__"', '"p"'));
      const [x, y] = [clean(a), clean(b)];
      assert.deepEqual(mergeReport(x, y), recursive(x, y));
    }),
    { numRuns: fuzzRuns(500) },
  );
  assert.deepEqual(measure({ a: [1, 2, { b: 3 }] }, 100), { fields: 5, depth: 3 });
});
