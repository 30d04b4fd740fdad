/**
 * Property tests (fast-check), as in `payload-properties.test.ts`, of the mapping functions of the
 * collectors of issue 15: whatever a machine or a vendor cloud sends, what passes the collector's
 * boundary schema maps to a snapshot the scheduler accepts, a state word Echo does not know is
 * `unknown` (never guessed), and nothing throws but a `CollectorError`, within a time budget only
 * a quadratic parser misses. `ECHO_FUZZ_RUNS` scales the case counts.
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
import { STATES as CARBON_STATES, toSnapshot as carbonSnapshot } from '../../src/collectors/carbon/map.ts';
import { printersResponse } from '../../src/collectors/carbon/protocol.ts';
import {
  toSnapshot as catalystexSnapshot,
  stateOf,
  statusWord,
} from '../../src/collectors/catalystex/map.ts';
import { parseStatusFile } from '../../src/collectors/catalystex/status-file.ts';
import {
  STATES as FORMLABS_STATES,
  toSnapshot as formlabsSnapshot,
} from '../../src/collectors/formlabs/map.ts';
import { localDevices, webPrinters } from '../../src/collectors/formlabs/protocol.ts';
import { PRINTER_STATES, printerStatus } from '../../src/collectors/hp-mjf/assumed-api.ts';
import { toSnapshot as hpMjfSnapshot } from '../../src/collectors/hp-mjf/map.ts';
import {
  STATES as MARKFORGED_STATES,
  toSnapshot as markforgedSnapshot,
} from '../../src/collectors/markforged/map.ts';
import { devices } from '../../src/collectors/markforged/protocol.ts';
import { CollectorError } from '../../src/collectors/sdk/collector-error.ts';
import { parseJsonReply } from '../../src/collectors/sdk/http-json.ts';
import { type MachineSnapshot, machineSnapshot } from '../../src/collectors/sdk/machine-snapshot.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';

/**
 * A guard against a parser that hangs (quadratic or worse on the inputs below), not a speed target:
 * these payloads take well under 10 ms; the margin covers a GC pause on a loaded 2-core machine.
 */
const BUDGET_MS = 5000;

function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.constructor.name}: ${error.message}\n${error.stack}`
    : String(error);
}

/** Runs `step`: a value, or undefined after a `CollectorError`; anything else fails the property. */
function settles<T>(what: string, step: () => T): T | undefined {
  const started = performance.now();
  let value: T | undefined;
  try {
    value = step();
  } catch (error) {
    if (!(error instanceof CollectorError))
      assert.fail(`${what} threw something other than a CollectorError: ${describe(error)}`);
  }
  const took = performance.now() - started;
  assert.ok(took < BUDGET_MS, `${what} took ${took.toFixed(0)} ms`);
  return value;
}

function assertAccepted(what: string, snapshot: MachineSnapshot, input: unknown): void {
  const parsed = machineSnapshot.safeParse(snapshot);
  assert.ok(
    parsed.success,
    `${what} returned a snapshot the scheduler refuses: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}\nsnapshot: ${JSON.stringify(snapshot).slice(0, 500)}\ninput: ${JSON.stringify(input).slice(0, 500)}`,
  );
}

/** A vendor's answer through its boundary (the same JSON text and schema the collector uses). */
function boundary<T>(what: string, document: unknown, schema: import('zod').ZodType<T>): T | undefined {
  const text = JSON.stringify(document) ?? 'null';
  return settles(`${what} boundary`, () => parseJsonReply(`http://fuzzed/${what}`, 200, text, schema));
}

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 16 }),
  fc.constant([]),
  fc.constant({}),
  fc.constantFrom(1e308, -1e308, -0, 5e-324, 2 ** 53 + 2, -(2 ** 53) - 2),
);

function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 30, arbitrary: arb }, { weight: 1, arbitrary: junk });
}

/** A document with every field (each maybe wrong), or with some left out. */
function doc<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.record(fields) },
    { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
  );
}

const number = fc.oneof(
  fc.integer({ min: -1000, max: 100_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, 1, 0.5, 1e308, -1e308, 2 ** 53 + 2),
);
const text = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 24 }));
const time = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '2024-05-02T10:00:00Z',
    'yesterday',
    '',
    '2024-13-45T99:99:99Z',
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '+010000-01-01T00:00:00.000Z',
  ),
  text,
);
/** A state word: one the vendor documents (any case), or anything. */
function stateWord(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((w) => w.toLowerCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((w) => w.toUpperCase()) },
    { weight: 2, arbitrary: text },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', ' ', 'constructor', '__proto__', 'toString', 'hasOwnProperty'),
    },
  );
}

/** The state a known-word table gives a word; `unknown` for a word it does not list. */
function expectState(
  table: Record<string, MachineSnapshot['state']>,
  key: string | undefined,
): MachineSnapshot['state'] {
  return key !== undefined && Object.hasOwn(table, key) ? table[key]! : 'unknown';
}

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
const CATALYSTEX_WORDS = [
  'Building',
  'Printing',
  'Paused',
  'Pausing',
  'Idle',
  'Ready',
  'Standby',
  'Completed',
  'Part Done',
  'Waiting For Part Removal',
  'Error',
  'Fault',
  'Halted',
  'Loading Material',
  'Calibrating',
  'Tip Cleaning',
  'Maintenance',
];

// ---------------------------------------------------------------------------------------------
// Formlabs (Web API and PreFormServer).
// ---------------------------------------------------------------------------------------------

const formlabsRun = doc({
  guid: maybe(fc.oneof(text, fc.constant(null))),
  name: maybe(fc.oneof(text, fc.constant(null))),
  status: maybe(stateWord(['PRINTING', 'FINISHED', 'ABORTED', 'ERROR', 'WAITING_FOR_RESOLUTION'])),
  currently_printing_layer: maybe(number),
  layer_count: maybe(number),
  estimated_time_remaining_ms: maybe(number),
  elapsed_duration_ms: maybe(number),
  print_started_at: maybe(time),
});
const formlabsPrinter = doc({
  serial: maybe(text),
  alias: maybe(text),
  firmware_version: maybe(text),
  printer_status: maybe(
    doc({
      status: maybe(stateWord(Object.keys(FORMLABS_STATES))),
      current_print_run: maybe(fc.oneof(formlabsRun, fc.constant(null))),
    }),
  ),
});
const formlabsList = fc.oneof(
  fc.array(formlabsPrinter, { maxLength: 4 }),
  fc.record({ results: fc.array(formlabsPrinter, { maxLength: 4 }) }),
);
const formlabsDevices = fc.oneof(
  fc.record({
    devices: fc.array(
      doc({
        id: maybe(text),
        status: maybe(stateWord(Object.keys(FORMLABS_STATES))),
        is_connected: maybe(fc.boolean()),
        firmware_version: maybe(text),
      }),
      { maxLength: 4 },
    ),
  }),
  junk,
);

test('property: Formlabs printers of any shape map to an accepted snapshot; an unknown status is unknown', () => {
  fc.assert(
    fc.property(formlabsList, formlabsDevices, (list, local) => {
      for (const printer of boundary('formlabs /printers/', list, webPrinters) ?? []) {
        const { snapshot, unknownState } = settles('formlabs toSnapshot', () =>
          formlabsSnapshot({ source: 'web', printer }),
        )!;
        assertAccepted('formlabs', snapshot, printer);
        const key = printer.printer_status?.status?.toUpperCase();
        assert.equal(snapshot.state, expectState(FORMLABS_STATES, key), `status ${JSON.stringify(key)}`);
        if (snapshot.state === 'unknown' && key !== undefined)
          assert.equal(unknownState, printer.printer_status!.status);
      }
      for (const device of boundary('formlabs /devices/', local, localDevices) ?? []) {
        const { snapshot } = settles('formlabs local toSnapshot', () =>
          formlabsSnapshot({ source: 'local', device }),
        )!;
        assertAccepted('formlabs local', snapshot, device);
        const want =
          device.is_connected === false
            ? 'offline'
            : expectState(FORMLABS_STATES, device.status?.toUpperCase());
        assert.equal(snapshot.state, want);
      }
    }),
    { numRuns: fuzzRuns(500) },
  );
});

// ---------------------------------------------------------------------------------------------
// Markforged (Eiger).
// ---------------------------------------------------------------------------------------------

const markforgedJob = doc({
  id: maybe(text),
  name: maybe(fc.oneof(text, fc.constant(null))),
  status: maybe(stateWord(['PRINTING', 'COMPLETED', 'CANCELLED', 'FAILED', 'ABORTED'])),
  progress: maybe(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), number)),
  started_at: maybe(time),
  estimated_end_at: maybe(time),
  current_layer: maybe(number),
  total_layers: maybe(number),
});
const markforgedDevice = doc({
  id: maybe(text),
  name: maybe(text),
  serial: maybe(text),
  status: maybe(stateWord(Object.keys(MARKFORGED_STATES))),
  firmware_version: maybe(text),
  active_job: maybe(fc.oneof(markforgedJob, fc.constant(null))),
});
const markforgedList = fc.oneof(
  fc.array(markforgedDevice, { maxLength: 4 }),
  fc.record({ results: fc.array(markforgedDevice, { maxLength: 4 }) }),
  fc.record({ devices: fc.array(markforgedDevice, { maxLength: 4 }) }),
);

test('property: Markforged devices of any shape map to an accepted snapshot; an unknown status is unknown', () => {
  fc.assert(
    fc.property(markforgedList, (list) => {
      for (const device of boundary('markforged /devices', list, devices) ?? []) {
        const { snapshot } = settles('markforged toSnapshot', () => markforgedSnapshot(device))!;
        assertAccepted('markforged', snapshot, device);
        assert.equal(snapshot.state, expectState(MARKFORGED_STATES, device.status?.toUpperCase()));
      }
    }),
    { numRuns: fuzzRuns(500) },
  );
});

// ---------------------------------------------------------------------------------------------
// Carbon.
// ---------------------------------------------------------------------------------------------

const carbonPrint = doc({
  name: maybe(fc.oneof(text, fc.constant(null))),
  print_id: maybe(fc.oneof(text, fc.constant(null))),
  build_uuid: maybe(text),
  started_at: maybe(time),
  finished_at: maybe(fc.oneof(time, fc.constant(null))),
  remaining_sec: maybe(number),
});
const carbonPrinter = doc({
  serial: maybe(text),
  name: maybe(text),
  status: maybe(
    doc({
      printer_state: maybe(stateWord(Object.keys(CARBON_STATES))),
      alerts: maybe(fc.array(text, { maxLength: 3 })),
      software_version: maybe(text),
    }),
  ),
  prints: maybe(
    doc({
      last: maybe(fc.oneof(carbonPrint, fc.constant(null))),
      current: maybe(fc.oneof(carbonPrint, fc.constant(null))),
      queue_length: maybe(number),
    }),
  ),
});

test('property: Carbon printers of any shape map to an accepted snapshot; an unknown state is unknown', () => {
  fc.assert(
    fc.property(
      doc({ total_count: maybe(number), printers: maybe(fc.array(carbonPrinter, { maxLength: 4 })) }),
      (page) => {
        for (const printer of boundary('carbon /printers', page, printersResponse)?.printers ?? []) {
          const { snapshot } = settles('carbon toSnapshot', () => carbonSnapshot(printer))!;
          assertAccepted('carbon', snapshot, printer);
          assert.equal(
            snapshot.state,
            expectState(CARBON_STATES, printer.status?.printer_state?.toUpperCase()),
          );
        }
      },
    ),
    { numRuns: fuzzRuns(500) },
  );
});

// ---------------------------------------------------------------------------------------------
// HP Multi Jet Fusion (assumed API).
// ---------------------------------------------------------------------------------------------

const hpStatus = doc({
  printer: maybe(doc({ serial: maybe(text), model: maybe(text), firmware: maybe(text), name: maybe(text) })),
  state: maybe(stateWord(PRINTER_STATES)),
  job: maybe(
    fc.oneof(
      doc({
        id: maybe(fc.oneof(text, number)),
        name: maybe(text),
        state: maybe(stateWord(['printing', 'cooling', 'paused', 'completed', 'aborted', 'failed'])),
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
        severity: maybe(stateWord(['info', 'warning', 'error'])),
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
  state: maybe(stateWord(HUB_STATES)),
  printers: maybe(
    fc.array(doc({ id: maybe(fc.oneof(text, number)), name: maybe(text), state: maybe(text) }), {
      maxLength: 4,
    }),
  ),
  active_analyses: maybe(number),
  errors: maybe(fc.array(text, { maxLength: 3 })),
});

const addiguruAnalysis = doc({
  id: maybe(fc.oneof(text, number)),
  printer: maybe(fc.oneof(doc({ id: maybe(fc.oneof(text, number)), name: maybe(text) }), fc.constant(null))),
  status: maybe(stateWord(['running', 'completed', 'aborted', 'failed'])),
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
// CatalystEX: status.sts (Tcl) of any shape.
// ---------------------------------------------------------------------------------------------

const TCL_FRAGMENTS = [
  'set ',
  'machineStatus(general) ',
  'machineStatus(currentJob) ',
  'machineStatus(mariner) ',
  'machineStatus(queue) ',
  '{',
  '}',
  '"',
  '\\',
  ';',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '-modelerStatus ',
  '-internalState stt',
  '-jobName ',
  '-currentLayer ',
  '-totalLayers ',
  '-completionStatus ',
  'Building',
  'Completed',
  '12',
  '-3',
  '1e9',
  'Transferred: ',
  '\u0000',
  'ÿ',
];
const tclNoise = fc.array(fc.constantFrom(...TCL_FRAGMENTS), { maxLength: 80 }).map((p) => p.join(''));
const tclValue = fc.oneof(
  fc.constantFrom('12', '0', '-4', '12.5', '1e3', '', '99999999999999999'),
  text.map((s) => s.replace(/[{}\\\s;"]/g, '')),
);
const braced = (s: string) => `{${s}}`;
const statusFile = fc
  .record({
    word: fc.oneof(stateWord(CATALYSTEX_WORDS), fc.constantFrom('sttBuilding', 'sttIdle')),
    explanation: text,
    layer: tclValue,
    layers: tclValue,
    completion: fc.constantFrom('', 'Completed', 'Aborted', 'Failed', 'weird'),
    jobName: fc.oneof(
      fc.constant(''),
      text.map((s) => s.replace(/[{}\\]/g, '')),
    ),
    queue: fc.array(
      text.map((s) => s.replace(/[{}\\]/g, '')),
      { maxLength: 3 },
    ),
    noise: tclNoise,
    where: fc.constantFrom('general', 'mariner'),
  })
  .map(
    (f) =>
      `set machineStatus(${f.where}) {-${f.where === 'general' ? 'modelerStatus' : 'internalState'} ${braced(f.word.replace(/[{}\\]/g, ''))} -modelerExplanation ${braced(f.explanation.replace(/[{}\\]/g, ''))} -partCurrentTemp ${braced(f.layer)}};\n` +
      `set machineStatus(currentJob) {-jobName ${braced(f.jobName)} -currentLayer ${braced(f.layer)} -totalLayers ${braced(f.layers)} -buildTime ${braced(f.layer)} -estimatedBuildTime ${braced(f.layers)} -completionStatus ${braced(f.completion)}};\n` +
      `set machineStatus(queue) {${f.queue.map((q) => ` {-jobName ${braced(q)}}`).join('')}};\n${f.noise}`,
  );

test('property: a CatalystEX status.sts of any shape parses and maps to an accepted snapshot; an unknown status word is unknown', () => {
  fc.assert(
    fc.property(
      fc.oneof({ weight: 3, arbitrary: statusFile }, { weight: 1, arbitrary: tclNoise }),
      (text) => {
        const file = settles('catalystex parseStatusFile', () => parseStatusFile(text))!;
        const snapshot = settles('catalystex toSnapshot', () => catalystexSnapshot(file))!;
        assertAccepted('catalystex', snapshot, text);
        const word = statusWord(file);
        assert.equal(snapshot.state, stateOf(word));
        const normalized = (word ?? '').toLowerCase().replace(/[\s_-]+/g, '');
        const known = CATALYSTEX_WORDS.map((w) => w.toLowerCase().replace(/[\s_-]+/g, ''));
        if (
          !known.includes(normalized) &&
          !['pause', 'done', 'faulted', 'unloadingmaterial', 'loadmaterial', 'unloadmaterial'].includes(
            normalized,
          )
        )
          assert.equal(snapshot.state, 'unknown', `status word ${JSON.stringify(word)}`);
        if (snapshot.state === 'error') assert.equal(snapshot.errors.length, 1);
      },
    ),
    { numRuns: fuzzRuns(500) },
  );
});

test('property: an unknown CatalystEX status word, even one named like an Object property, is unknown', () => {
  fc.assert(
    fc.property(
      fc.oneof(text, fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty')),
      (word) => {
        const normalized = word.toLowerCase().replace(/[\s_-]+/g, '');
        const known = CATALYSTEX_WORDS.map((w) => w.toLowerCase().replace(/[\s_-]+/g, ''));
        fc.pre(!known.includes(normalized));
        fc.pre(
          !['pause', 'done', 'faulted', 'unloadingmaterial', 'loadmaterial', 'unloadmaterial'].includes(
            normalized,
          ),
        );
        assert.equal(
          settles('catalystex stateOf', () => stateOf(word)),
          'unknown',
          JSON.stringify(word),
        );
      },
    ),
    { numRuns: fuzzRuns(500) },
  );
});

// ---------------------------------------------------------------------------------------------
// Collector weaknesses the properties above found (issue 15 follow-up), fixed; kept as tests.
// ---------------------------------------------------------------------------------------------

test('CatalystEX: a printer reporting the status word "Constructor" is unknown, not a snapshot the scheduler refuses', () => {
  for (const word of ['constructor', 'Constructor', 'CON STRUCTOR', 'con-structor'])
    assert.equal(stateOf(word), 'unknown', word);
  const snapshot = catalystexSnapshot(
    parseStatusFile('set machineStatus(general) {-modelerStatus Constructor -modelerType {uPrint SE}};\n'),
  );
  assertAccepted('catalystex', snapshot, 'modelerStatus Constructor');
});

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
