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
import { PRINTER_STATES, printerStatus } from '../../src/collectors/hp-mjf/assumed-api.ts';
import { toSnapshot as hpMjfSnapshot } from '../../src/collectors/hp-mjf/map.ts';
import type { MachineSnapshot } from '../../src/collectors/sdk/machine-snapshot.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  assertAccepted,
  awkwardWord,
  boundary,
  doc,
  expectState,
  maybe,
  number,
  mappingSettles as settles,
  stateWord,
  text,
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
const ADDIGURU_STATES: Record<string, MachineSnapshot['state']> = {
  idle: 'idle',
  analysing: 'printing',
  error: 'error',
};

// ---------------------------------------------------------------------------------------------
// HP Multi Jet Fusion (assumed API).
// ---------------------------------------------------------------------------------------------

const hpStatus = doc({
  printer: maybe(doc({ serial: maybe(text), model: maybe(text), firmware: maybe(text), name: maybe(text) })),
  state: maybe(fc.oneof(stateWord(PRINTER_STATES), awkwardWord)),
  job: maybe(
    fc.oneof(
      doc({
        id: maybe(fc.oneof(text, number)),
        name: maybe(text),
        state: maybe(
          fc.oneof(
            stateWord(['printing', 'cooling', 'paused', 'completed', 'aborted', 'failed']),
            awkwardWord,
          ),
        ),
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

test('property: an HP MJF status of any shape maps to an accepted snapshot; an unknown state is unknown', () => {
  fc.assert(
    fc.property(hpStatus, (document) => {
      const status = boundary('hp-mjf /status', document, printerStatus);
      if (!status) return;
      const { snapshot } = settles('hp-mjf toSnapshot', () => hpMjfSnapshot(status))!;
      assertAccepted('hp-mjf', snapshot, status);
      assert.equal(snapshot.state, expectState(HP_STATES, (status.state ?? '').toLowerCase()));
    }),
    { numRuns: fuzzRuns(500) },
  );
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
