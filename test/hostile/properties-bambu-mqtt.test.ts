/**
 * Property tests (fast-check) of the Bambu collector (MQTT reports), driven through the message
 * handler its MQTT client calls: whatever reports a printer pushes, the handler never throws, and a
 * poll after them ends in a snapshot the scheduler accepts or a `CollectorError`, within the time
 * budget. Shared scaffolding: `property-harness.ts`. `ECHO_FUZZ_RUNS` scales the case counts.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { BambuCollector } from '../../src/collectors/bambu/collector.ts';
import { bambuConnection } from '../../src/collectors/bambu/config.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  assertAcceptedSnapshot,
  awkwardWord,
  BUDGET_MS,
  context,
  doc,
  jsonFragments,
  maybe,
  number,
  settles,
  shared,
  text,
} from './property-harness.ts';

after(async () => {
  await shared.close();
});

// ---------------------------------------------------------------------------------------------
// Bambu (MQTT reports, through the collector's message handler).
// ---------------------------------------------------------------------------------------------

const bambuPrint = doc({
  command: maybe(fc.constant('push_status')),
  gcode_state: maybe(
    fc.oneof(
      fc.constantFrom('IDLE', 'RUNNING', 'PAUSE', 'FINISH', 'FAILED', 'PREPARE', 'SLICING', ''),
      awkwardWord,
    ),
  ),
  mc_percent: maybe(number),
  mc_remaining_time: maybe(number),
  gcode_start_time: maybe(fc.oneof(number, number.map(String), text)),
  layer_num: maybe(number),
  total_layer_num: maybe(number),
  subtask_name: maybe(text),
  gcode_file: maybe(text),
  task_id: maybe(fc.oneof(text, number)),
  nozzle_temper: maybe(number),
  nozzle_target_temper: maybe(number),
  bed_temper: maybe(number),
  print_error: maybe(fc.oneof(number, fc.integer({ min: 0, max: 2 ** 32 - 1 }))),
  hms: maybe(fc.array(fc.record({ attr: maybe(number), code: maybe(number) }), { maxLength: 3 })),
  wifi_signal: maybe(
    fc.oneof(text, fc.constantFrom('-48dBm', '-999999999999999999999dBm', `-${'9'.repeat(400)}dBm`)),
  ),
  lights_report: maybe(fc.array(fc.record({ node: text, mode: text }), { maxLength: 2 })),
  ams: maybe(fc.jsonValue({ maxDepth: 5 })),
});
const bambuVersion = fc.record({
  command: maybe(fc.constant('get_version')),
  module: maybe(
    fc.array(fc.record({ name: maybe(fc.constantFrom('ota', 'mc')), sw_ver: maybe(text) }), { maxLength: 2 }),
  ),
});
/** A report whose `print` also carries a `__proto__` key (it must not become the state's prototype). */
const protoReport = bambuPrint.map((print) => {
  const rest = JSON.stringify(print).slice(1, -1);
  return Buffer.from(
    `{"print":{"__proto__":{"gcode_state":"FAILED","print_error":1}${rest ? `,${rest}` : ''}}}`,
  );
});
const bambuPayload = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ print: maybe(bambuPrint) }, { requiredKeys: [] })
      .map((m) => Buffer.from(JSON.stringify(m))),
  },
  { weight: 1, arbitrary: protoReport },
  {
    weight: 1,
    arbitrary: fc.record({ info: maybe(bambuVersion) }).map((m) => Buffer.from(JSON.stringify(m))),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 200 })
      .map((d) => Buffer.from(`{"print":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: jsonFragments.map((s) => Buffer.from(s)) },
);

test('property: Bambu reports never throw in the MQTT listener, and a poll after them ends in an accepted snapshot or a CollectorError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(bambuPayload, { minLength: 1, maxLength: 8 }), async (payloads) => {
      const collector = new BambuCollector(
        bambuConnection.parse({ host: '127.0.0.1', serial: '00M09A000000001', tls: { insecure: true } }),
        context(),
      );
      // The handler the MQTT client calls for each message (private: it is what must never throw).
      const onMessage = (payload: Buffer) =>
        (collector as unknown as { onMessage(payload: Buffer): void }).onMessage(payload);
      for (const payload of payloads) {
        const started = performance.now();
        assert.doesNotThrow(() => onMessage(payload));
        assert.ok(performance.now() - started < BUDGET_MS);
      }
      assertAcceptedSnapshot(
        'bambu',
        await settles('bambu poll', () => collector.poll(AbortSignal.timeout(BUDGET_MS))),
      );
    }),
    { numRuns: fuzzRuns(500) },
  );
});
