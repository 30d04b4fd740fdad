/**
 * Property tests (fast-check) of the mapping functions of the collectors written against assumed
 * local APIs (HP Multi Jet Fusion, Addiguru): whatever the machine sends, what passes the
 * collector's boundary schema maps to a snapshot the scheduler accepts (an Addiguru analysis to a
 * past job whose watermark reads back), a state word Echo does not know is `unknown`, and nothing
 * throws but a `CollectorError`, within a time budget only a quadratic parser misses. Shared
 * scaffolding: `property-harness.ts`. `ECHO_FUZZ_RUNS` scales the case counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type AnalysisDetail,
  analysisDetail,
  HUB_STATES,
  hubStatus,
} from '../../src/collectors/addiguru/assumed-api.ts';
import {
  toSnapshot as addiguruSnapshot,
  analysisMeta,
  analysisReference,
  parseReference,
  toPastJob,
} from '../../src/collectors/addiguru/map.ts';
import { JOB_STATES, PRINTER_STATES, printerStatus } from '../../src/collectors/hp-mjf/assumed-api.ts';
import { toSnapshot as hpMjfSnapshot } from '../../src/collectors/hp-mjf/map.ts';
import type { MachineSnapshot } from '../../src/collectors/sdk/machine-snapshot.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  assertAccepted,
  awkwardWord,
  awkwardWordUpTo,
  boundary,
  doc,
  expectState,
  maybe,
  mostlyValid,
  number,
  numberIn,
  ReachCount,
  mappingSettles as settles,
  stateWord,
  text,
  textUpTo,
  wideTime as time,
} from './property-harness.ts';

const HP_STATES: Record<string, MachineSnapshot['state']> = {
  idle: 'idle',
  ready: 'idle',
  warming_up: 'printing',
  printing: 'printing',
  cooling: 'printing',
  paused: 'paused',
  error: 'error',
  maintenance: 'maintenance',
};
const HP_RESULTS: Record<string, 'finished' | 'failed' | 'cancelled'> = {
  completed: 'finished',
  aborted: 'cancelled',
  failed: 'failed',
};
const ADDIGURU_STATES: Record<string, MachineSnapshot['state']> = {
  idle: 'idle',
  analysing: 'printing',
  error: 'error',
};

// ---------------------------------------------------------------------------------------------
// HP Multi Jet Fusion (assumed API).
// ---------------------------------------------------------------------------------------------

/** Any shape, each field maybe wrong: mostly refused by the schema (the refusal path). */
const hpStatusAnyShape = doc({
  printer: maybe(doc({ serial: maybe(text), model: maybe(text), firmware: maybe(text), name: maybe(text) })),
  state: maybe(fc.oneof(stateWord(PRINTER_STATES), awkwardWord)),
  job: maybe(
    fc.oneof(
      doc({
        id: maybe(fc.oneof(text, number)),
        name: maybe(text),
        state: maybe(fc.oneof(stateWord(JOB_STATES), awkwardWord)),
        progress: maybe(number),
        current_layer: maybe(number),
        total_layers: maybe(number),
        elapsed_s: maybe(number),
        remaining_s: maybe(number),
      }),
      fc.constant(null),
    ),
  ),
  materials: maybe(
    fc.array(doc({ slot: maybe(text), name: maybe(text), level_percent: maybe(number) }), { maxLength: 4 }),
  ),
  alerts: maybe(
    fc.array(
      doc({
        code: maybe(text),
        severity: maybe(fc.oneof(stateWord(['info', 'warning', 'error']), awkwardWord)),
        message: maybe(text),
      }),
      { maxLength: 4 },
    ),
  ),
});

/** A field the schema lets be null or left out (`nullish`): mostly there, sometimes null, sometimes absent. */
const nullish = <T>(arb: fc.Arbitrary<T>) =>
  fc.option(fc.option(arb, { nil: null, freq: 8 }), { nil: undefined, freq: 8 });

/** Strip the absent (`undefined`) fields: JSON would drop them anyway; this keeps the document honest. */
const present = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

/**
 * What the schema (`assumed-api.ts`) accepts, within its ranges and lengths, with the hostile
 * variety where the mapping reads: state and result words (documented, in other cases, awkward),
 * names, and numbers at their edges.
 */
const hpStatusValid = fc
  .record({
    printer: nullish(
      fc
        .record({
          serial: nullish(textUpTo(200)),
          model: nullish(textUpTo(200)),
          firmware: nullish(textUpTo(200)),
          name: nullish(textUpTo(500)),
        })
        .map(present),
    ),
    state: nullish(fc.oneof(stateWord(PRINTER_STATES), awkwardWordUpTo(100)).filter((w) => w.length <= 100)),
    job: nullish(
      fc
        .record({
          id: fc.oneof(
            textUpTo(200).filter((w) => w.length >= 1),
            numberIn({ int: true }),
            numberIn(),
          ),
          name: nullish(textUpTo(500)),
          state: nullish(
            fc.oneof(stateWord(JOB_STATES), awkwardWordUpTo(100)).filter((w) => w.length <= 100),
          ),
          progress: nullish(numberIn({ min: 0, max: 100 })),
          current_layer: nullish(numberIn({ min: 0, int: true })),
          total_layers: nullish(numberIn({ min: 0, int: true })),
          elapsed_s: nullish(numberIn({ min: 0 })),
          remaining_s: nullish(numberIn({ min: 0 })),
        })
        .map(present),
    ),
    materials: nullish(
      fc.array(
        fc
          .record({
            slot: textUpTo(100).filter((w) => w.length >= 1),
            name: nullish(textUpTo(500)),
            level_percent: nullish(numberIn({ min: 0, max: 100 })),
          })
          .map(present),
        { maxLength: 4 },
      ),
    ),
    alerts: nullish(
      fc.array(
        fc
          .record({
            code: nullish(textUpTo(100)),
            severity: nullish(fc.oneof(stateWord(['info', 'warning', 'error']), awkwardWordUpTo(100))),
            message: nullish(textUpTo(10_000)),
          })
          .map(present),
        { maxLength: 4 },
      ),
    ),
  })
  .map(present);

const hpStatus = mostlyValid(hpStatusValid, hpStatusAnyShape);

test('property: an HP MJF status of any shape maps to an accepted snapshot; an unknown state is unknown', () => {
  const reach = new ReachCount();
  fc.assert(
    fc.property(hpStatus, (document) => {
      const status = boundary('hp-mjf /status', document, printerStatus);
      reach.note(status !== undefined);
      if (!status) return;
      const { snapshot } = settles('hp-mjf toSnapshot', () => hpMjfSnapshot(status))!;
      assertAccepted('hp-mjf', snapshot, status);
      assert.equal(snapshot.state, expectState(HP_STATES, (status.state ?? '').toLowerCase()));
      if (status.job) {
        const word = (status.job.state ?? '').toLowerCase();
        assert.equal(snapshot.job?.result, Object.hasOwn(HP_RESULTS, word) ? HP_RESULTS[word] : undefined);
      }
    }),
    { numRuns: fuzzRuns(500) },
  );
  reach.assertMostlyReached('hp-mjf /status');
});

// ---------------------------------------------------------------------------------------------
// Addiguru (assumed API): the hub's status, and its analyses as history.
// ---------------------------------------------------------------------------------------------

const addiguruStatus = doc({
  hub: maybe(doc({ name: maybe(text), serial: maybe(text), version: maybe(text) })),
  state: maybe(fc.oneof(stateWord(HUB_STATES), awkwardWord)),
  printers: maybe(
    fc.array(
      doc({
        id: maybe(fc.oneof(text, number)),
        name: maybe(text),
        state: maybe(fc.oneof(text, awkwardWord)),
      }),
      {
        maxLength: 4,
      },
    ),
  ),
  active_analyses: maybe(number),
  errors: maybe(fc.array(text, { maxLength: 3 })),
});

const addiguruAnalysis = doc({
  id: maybe(fc.oneof(text, number)),
  printer: maybe(fc.oneof(doc({ id: maybe(fc.oneof(text, number)), name: maybe(text) }), fc.constant(null))),
  status: maybe(fc.oneof(stateWord(['running', 'completed', 'aborted', 'failed']), awkwardWord)),
  start_time: maybe(time),
  end_time: maybe(time),
  build_name: maybe(text),
  layer_count: maybe(number),
  anomalies: maybe(
    fc.array(
      doc({
        layer_number: maybe(number),
        is_anomaly: maybe(fc.boolean()),
        is_defect: maybe(fc.boolean()),
        boundary: maybe(fc.array(fc.array(number, { maxLength: 3 }), { maxLength: 3 })),
      }),
      { maxLength: 3 },
    ),
  ),
});

test('property: an Addiguru hub status of any shape maps to an accepted snapshot; an unknown state is unknown', () => {
  fc.assert(
    fc.property(addiguruStatus, (document) => {
      const status = boundary('addiguru /status', document, hubStatus);
      if (!status) return;
      const { snapshot } = settles('addiguru toSnapshot', () => addiguruSnapshot(status))!;
      assertAccepted('addiguru', snapshot, status);
      assert.equal(snapshot.state, expectState(ADDIGURU_STATES, (status.state ?? '').toLowerCase()));
    }),
    { numRuns: fuzzRuns(500) },
  );
});

test('property: an Addiguru analysis that passes the boundary becomes a past job, and its watermark reads back', () => {
  fc.assert(
    fc.property(addiguruAnalysis, (document) => {
      const analysis = boundary('addiguru /analyses/<id>', document, analysisDetail) as
        | AnalysisDetail
        | undefined;
      if (!analysis) return;
      const past = settles('addiguru toPastJob', () => toPastJob(analysis))!;
      assert.ok(!Number.isNaN(Date.parse(past.endedAt)), past.endedAt);
      settles('addiguru analysisMeta', () => analysisMeta(analysis));
      const reference = settles('addiguru analysisReference', () => analysisReference(analysis))!;
      // The history runner hands the reference back as the next read's watermark: readHistory
      // refuses (a CollectorError, every time) a watermark parseReference cannot read.
      assert.deepEqual(
        parseReference(reference),
        { endTime: new Date(analysis.end_time).toISOString(), id: analysis.id },
        `the watermark "${reference}" of end_time ${JSON.stringify(analysis.end_time)} reads back`,
      );
    }),
    { numRuns: fuzzRuns(500) },
  );
});

// ---------------------------------------------------------------------------------------------
// A weakness the properties above found (issue 15 follow-up), fixed; kept as a test.
// ---------------------------------------------------------------------------------------------

test('Addiguru: the watermark of an analysis ending in year 10000 (or before year 0) reads back', () => {
  for (const end_time of ['+010000-01-01T00:00:00.000Z', '-000001-12-31T23:59:59.999Z']) {
    const analysis = analysisDetail.parse({ id: 'a1', end_time });
    const reference = analysisReference(analysis);
    assert.deepEqual(
      parseReference(reference),
      { endTime: new Date(end_time).toISOString(), id: 'a1' },
      `the watermark "${reference}" reads back as it was written`,
    );
  }
});
