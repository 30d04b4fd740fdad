/**
 * Property tests (fast-check) of the CatalystEX collector's reading of `status.sts` (Tcl, from a
 * Stratasys printer's status port): a file of any shape parses and maps to a snapshot the scheduler
 * accepts, a status word Echo does not know (even one named like an Object property) is `unknown`,
 * and nothing throws but a `CollectorError`, within a time budget only a quadratic parser misses.
 * Shared scaffolding: `property-harness.ts`. `ECHO_FUZZ_RUNS` scales the case counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  toSnapshot as catalystexSnapshot,
  stateOf,
  statusWord,
} from '../../src/collectors/catalystex/map.ts';
import { parseStatusFile } from '../../src/collectors/catalystex/status-file.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  assertAccepted,
  awkwardWord,
  mappingSettles as settles,
  stateWord,
  text,
} from './property-harness.ts';

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
    word: fc.oneof(stateWord(CATALYSTEX_WORDS), fc.constantFrom('sttBuilding', 'sttIdle'), awkwardWord),
    explanation: text,
    layer: tclValue,
    layers: tclValue,
    completion: fc.oneof(fc.constantFrom('', 'Completed', 'Aborted', 'Failed', 'weird'), awkwardWord),
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
    fc.property(fc.oneof(text, awkwardWord), (word) => {
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
    }),
    { numRuns: fuzzRuns(500) },
  );
});

// ---------------------------------------------------------------------------------------------
// A weakness the properties above found (issue 15 follow-up), fixed; kept as a test.
// ---------------------------------------------------------------------------------------------

test('CatalystEX: a printer reporting the status word "Constructor" is unknown, not a snapshot the scheduler refuses', () => {
  for (const word of ['constructor', 'Constructor', 'CON STRUCTOR', 'con-structor'])
    assert.equal(stateOf(word), 'unknown', word);
  const snapshot = catalystexSnapshot(
    parseStatusFile('set machineStatus(general) {-modelerStatus Constructor -modelerType {uPrint SE}};\n'),
  );
  assertAccepted('catalystex', snapshot, 'modelerStatus Constructor');
});
