import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import test from 'node:test';
import fc from 'fast-check';
import { fuzzRuns } from '../../../test/helpers/fuzz-runs.ts';
import { remainingLength } from '../../../test/helpers/mqtt-wire.ts';
import { boundedLines, cutMarker } from './bounded-lines.ts';
import { CollectorError } from './collector-error.ts';
import { jsonDepth, jsonShape, MAX_JSON_VALUES, parseMachineJson } from './machine-json.ts';
import { guardMqttPackets } from './mqtt-packet-guard.ts';

test('log lines: a line over the cap is cut, marked and passed on; the rest is skipped across reads', () => {
  const cap = 16;
  const first = boundedLines(Buffer.from(`short\n${'x'.repeat(40)}`), 'utf8', cap, false);
  assert.equal(first.text, `short\n${'x'.repeat(cap)}${cutMarker(cap)}\n`);
  assert.equal(first.bytes, 46);
  assert.equal(first.skipping, true);
  assert.equal(first.cut, 1);
  const middle = boundedLines(Buffer.from('y'.repeat(100)), 'utf8', cap, true);
  assert.deepEqual([middle.text, middle.bytes, middle.skipping], ['', 100, true]);
  const last = boundedLines(Buffer.from('zz\nnext\npartial'), 'utf8', cap, true);
  assert.deepEqual([last.text, last.bytes, last.skipping], ['next\n', 8, false]);
});

test('log lines: a cut never splits a UTF-8 character or a UTF-16 unit', () => {
  const utf8 = boundedLines(Buffer.from(`${'é'.repeat(20)}\n`), 'utf8', 9, false);
  assert.ok(utf8.text.startsWith('éééé …'), utf8.text);
  const wide = boundedLines(Buffer.from(`${'ab'.repeat(20)}\n`, 'utf16le'), 'utf16le', 9, false);
  assert.ok(wide.text.startsWith('abab …'), wide.text);
});

test('property: log lines are bounded, linear, and lose no complete short line', () => {
  const bytes = fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a));
  fc.assert(
    fc.property(bytes, fc.integer({ min: 4, max: 512 }), fc.boolean(), (data, cap, skipping) => {
      const result = boundedLines(data, 'utf8', cap, skipping);
      assert.ok(result.bytes <= data.length);
      const marker = cutMarker(cap);
      for (const line of result.text.split('\n').slice(0, -1)) {
        assert.ok(Buffer.byteLength(line.replace(marker, '')) <= cap * 3, 'a line longer than its cap');
      }
      // Every short complete line after the skipped part comes out as it was.
      const start = skipping ? data.indexOf(0x0a) + 1 : 0;
      if (skipping && start === 0) return;
      const consumed = data.subarray(start, result.bytes).toString('utf8');
      for (const line of consumed.split('\n').slice(0, -1)) {
        if (Buffer.byteLength(line) <= cap) assert.ok(result.text.includes(`${line}\n`));
      }
    }),
    { numRuns: fuzzRuns(2000) },
  );
});

test('JSON from a machine: depth is checked before parsing, in one pass, strings skipped', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":"[[[[{{{"}]}'), 3);
  assert.equal(jsonDepth('"\\"[[["'), 0);
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  assert.throws(
    () => parseMachineJson(deep, 'printer'),
    (e: unknown) =>
      e instanceof CollectorError && e.failure === 'protocol' && /deeper than 64/.test(e.message),
  );
  assert.throws(
    () => parseMachineJson('{"a":', 'printer'),
    (e: unknown) => e instanceof CollectorError && /not JSON/.test(e.message),
  );
  const hostile = parseMachineJson('{"__proto__":{"polluted":true}}', 'printer') as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.hasOwn(hostile, '__proto__'));
});

test('JSON from a machine: millions of tiny values are refused before parsing (they held the event loop for seconds)', () => {
  const flood = `[${'{},'.repeat(MAX_JSON_VALUES)}{}]`;
  assert.throws(
    () => parseMachineJson(flood, 'printer'),
    (e: unknown) =>
      e instanceof CollectorError &&
      e.failure === 'protocol' &&
      /holds more than 250000 values/.test(e.message) &&
      (e.details as { reason?: string }).reason === 'too_many_values',
  );
  // Commas inside strings are not values; a real history page passes.
  assert.equal(jsonShape(JSON.stringify({ note: ','.repeat(1000) })).values, 2);
  const page = {
    jobs: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `job ${i}`, result: 'finished' })),
  };
  assert.equal((parseMachineJson(JSON.stringify(page), 'printer') as typeof page).jobs.length, 1000);
});

test('property: the value count never undercounts a parsed document (so the cap is never escaped)', () => {
  const count = (value: unknown): number =>
    typeof value === 'object' && value !== null
      ? 1 + Object.values(value).reduce<number>((n, v) => n + count(v), 0)
      : 1;
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
      assert.ok(jsonShape(JSON.stringify(value)).values >= count(value));
    }),
    { numRuns: fuzzRuns(1000) },
  );
});

test('property: jsonDepth agrees with the parsed document for any JSON value', () => {
  const depthOf = (value: unknown): number =>
    typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
      assert.equal(jsonDepth(JSON.stringify(value)), depthOf(value));
    }),
    { numRuns: fuzzRuns(1000) },
  );
});

/** An MQTT fixed header: a PUBLISH type byte and the remaining length. */
function header(length: number): Buffer {
  return Buffer.concat([Buffer.from([0x30]), remainingLength(length)]);
}

test('MQTT packets: one over the limit is reported from its header, before its body arrives', () => {
  const stream = new PassThrough();
  const seen: unknown[] = [];
  guardMqttPackets(stream, 1000, (problem) => seen.push(problem));
  stream.write(Buffer.concat([header(10), Buffer.alloc(10), header(999), Buffer.alloc(500)]));
  stream.write(Buffer.alloc(499));
  assert.deepEqual(seen, []);
  stream.write(header(256 * 1024 * 1024 - 1));
  assert.deepEqual(seen, [{ kind: 'too_large', size: 256 * 1024 * 1024 - 1 }]);
  const malformed = new PassThrough();
  const bad: unknown[] = [];
  guardMqttPackets(malformed, 1000, (problem) => bad.push(problem));
  malformed.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff]));
  assert.deepEqual(bad, [{ kind: 'malformed' }]);
});

test('property: MQTT packets split at any byte are tracked the same', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 1, max: 700 }),
      (sizes, split) => {
        const wire = Buffer.concat(sizes.map((n) => Buffer.concat([header(n), Buffer.alloc(n)])));
        const stream = new PassThrough();
        const seen: Array<{ kind: string }> = [];
        guardMqttPackets(stream, 2000, (problem) => seen.push(problem));
        for (let i = 0; i < wire.length; i += split) stream.write(wire.subarray(i, i + split));
        const firstTooLarge = sizes.find((n) => n > 2000);
        assert.deepEqual(
          seen,
          firstTooLarge === undefined ? [] : [{ kind: 'too_large', size: firstTooLarge }],
        );
      },
    ),
    { numRuns: fuzzRuns(300) },
  );
});
