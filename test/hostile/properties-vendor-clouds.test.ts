/**
 * Property tests (fast-check) of the mapping functions of the vendor-cloud collectors (Formlabs,
 * Markforged, Carbon): whatever the cloud sends, what passes the collector's boundary schema maps to
 * a snapshot the scheduler accepts, a state word Echo does not know is `unknown` (never guessed),
 * and nothing throws but a `CollectorError`, within a time budget only a quadratic parser misses.
 * Shared scaffolding: `property-harness.ts`. `ECHO_FUZZ_RUNS` scales the case counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { STATES as CARBON_STATES, toSnapshot as carbonSnapshot } from '../../src/collectors/carbon/map.ts';
import { printersResponse } from '../../src/collectors/carbon/protocol.ts';
import {
  STATES as FORMLABS_STATES,
  toSnapshot as formlabsSnapshot,
} from '../../src/collectors/formlabs/map.ts';
import { localDevices, webPrinters } from '../../src/collectors/formlabs/protocol.ts';
import {
  STATES as MARKFORGED_STATES,
  toSnapshot as markforgedSnapshot,
} from '../../src/collectors/markforged/map.ts';
import { devices } from '../../src/collectors/markforged/protocol.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  assertAccepted,
  awkwardWord,
  boundary,
  doc,
  expectState,
  junk,
  maybe,
  number,
  mappingSettles as settles,
  stateWord,
  text,
  wideTime as time,
} from './property-harness.ts';

// ---------------------------------------------------------------------------------------------
// Formlabs (Web API and PreFormServer).
// ---------------------------------------------------------------------------------------------

const formlabsRun = doc({
  guid: maybe(fc.oneof(text, fc.constant(null))),
  name: maybe(fc.oneof(text, fc.constant(null))),
  status: maybe(
    fc.oneof(stateWord(['PRINTING', 'FINISHED', 'ABORTED', 'ERROR', 'WAITING_FOR_RESOLUTION']), awkwardWord),
  ),
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
      status: maybe(fc.oneof(stateWord(Object.keys(FORMLABS_STATES)), awkwardWord)),
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
        status: maybe(fc.oneof(stateWord(Object.keys(FORMLABS_STATES)), awkwardWord)),
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
  status: maybe(
    fc.oneof(stateWord(['PRINTING', 'COMPLETED', 'CANCELLED', 'FAILED', 'ABORTED']), awkwardWord),
  ),
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
  status: maybe(fc.oneof(stateWord(Object.keys(MARKFORGED_STATES)), awkwardWord)),
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
      printer_state: maybe(fc.oneof(stateWord(Object.keys(CARBON_STATES)), awkwardWord)),
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
