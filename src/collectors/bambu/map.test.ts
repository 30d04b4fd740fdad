import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineSnapshot } from '../../shared/model/machine-snapshot.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import { toSnapshot } from './map.ts';
import { type PrintReport, printReport, type VersionInfo } from './protocol.ts';

const NOW = Date.UTC(2026, 0, 1);
const JOB = { subtask_name: 'bracket', gcode_file: '/data/Metadata/bracket.gcode', task_id: '4711' };
/** print_error when the user cancels: 0x0300400C (ha-bambulab pybambu models.py). */
const CANCEL = 50_348_044;

/** Merges partial reports the way the collector does (shallow is enough here), mapping each. */
function play(
  reports: Array<Record<string, unknown>>,
  options: Record<string, unknown> = {},
): MachineSnapshot[] {
  let state: Record<string, unknown> = {};
  const ended = {};
  return reports.map((delta) => {
    state = { ...state, ...delta };
    const snapshot = (
      toSnapshot as (r: PrintReport, v: VersionInfo | undefined, n: number, o: unknown) => MachineSnapshot
    )(printReport.parse(state), undefined, NOW, { ended, ...options });
    machineSnapshot.parse(snapshot);
    return snapshot;
  });
}

test("a user's cancel (FAILED, print_error 0x0300400C, reset seconds later) is a cancelled job, never an error", () => {
  const snapshots = play([
    { gcode_state: 'RUNNING', print_error: 0, mc_percent: 40, ...JOB },
    // The cancel's code comes alone first, then the state, then both reset; the state flaps.
    { print_error: CANCEL },
    { gcode_state: 'FAILED' },
    { print_error: 0 },
    { gcode_state: 'IDLE' },
    { gcode_state: 'FAILED' },
    { gcode_state: 'FINISH' },
  ]);
  assert.deepEqual(
    snapshots.map((s) => [s.state, s.job?.result ?? null, s.errors]),
    [
      ['printing', null, []],
      ['printing', null, []],
      ['idle', 'cancelled', []],
      ['idle', 'cancelled', []],
      ['idle', null, []],
      ['idle', 'cancelled', []],
      ['idle', 'cancelled', []],
    ],
  );
  // A real failure stays failed when its code is reset; the next job forgets it.
  const failed = play([
    { gcode_state: 'RUNNING', print_error: 0, ...JOB },
    { gcode_state: 'FAILED', print_error: 0x0700_8006 },
    { print_error: 0 },
    { gcode_state: 'RUNNING', task_id: '4712', print_error: 0 },
    { gcode_state: 'FINISH' },
  ]);
  assert.deepEqual(
    failed.map((s) => [s.state, s.job?.result ?? null]),
    [
      ['printing', null],
      ['error', 'failed'],
      ['idle', 'failed'],
      ['printing', null],
      ['idle', 'finished'],
    ],
  );
  assert.deepEqual(failed[1]!.errors, ['print error 0700_8006']);
});

test('HMS severity (code >> 16): fatal and serious are a machine error, common and info a warning in the same state', () => {
  const hms = (severity: number) => [{ attr: 0x0300_0100, code: severity * 0x1_0000 + 2 }];
  const idle = (severity: number) => play([{ gcode_state: 'IDLE', print_error: 0, hms: hms(severity) }])[0]!;
  assert.deepEqual(
    [1, 2, 3, 4, 0, 9].map((severity) => [idle(severity).state, idle(severity).errors]),
    [
      ['error', ['HMS 0300_0100_0001_0002 (fatal)']],
      ['error', ['HMS 0300_0100_0002_0002 (serious)']],
      ['idle', ['warning: HMS 0300_0100_0003_0002 (common)']],
      ['idle', ['warning: HMS 0300_0100_0004_0002 (info)']],
      ['idle', ['warning: HMS 0300_0100_0000_0002 (unknown)']],
      ['idle', ['warning: HMS 0300_0100_0009_0002 (unknown)']],
    ],
  );
  // A common HMS while printing: still printing, the job goes on.
  const printing = play([{ gcode_state: 'RUNNING', ...JOB, hms: hms(3) }])[0]!;
  assert.equal(printing.state, 'printing');
  assert.equal(printing.job?.name, 'bracket');
  // The error comes first (it is what the cloud is told), the warning after it.
  const both = play([{ gcode_state: 'RUNNING', ...JOB, hms: [...hms(4), ...hms(2)] }])[0]!;
  assert.equal(both.state, 'error');
  assert.deepEqual(both.errors, [
    'HMS 0300_0100_0002_0002 (serious)',
    'warning: HMS 0300_0100_0004_0002 (info)',
  ]);
  // A serious HMS is why a paused printer paused (filament out): still paused, its job kept for the
  // resume; a fatal one is an error even then.
  const runout = play([{ gcode_state: 'PAUSE', ...JOB, hms: hms(2) }])[0]!;
  assert.equal(runout.state, 'paused');
  assert.equal(runout.job?.name, 'bracket');
  assert.deepEqual(runout.errors, ['HMS 0300_0100_0002_0002 (serious)']);
  assert.equal(play([{ gcode_state: 'PAUSE', ...JOB, hms: hms(1) }])[0]!.state, 'error');
});

test('INIT and OFFLINE have their own meaning; an unknown gcode_state is unknown, logged, and never fails the report', () => {
  const logged: string[] = [];
  const [init, offline, odd, numeric, object] = play(
    [
      { gcode_state: 'INIT' },
      { gcode_state: 'OFFLINE' },
      { gcode_state: 'CALIBRATING_LIDAR' },
      { gcode_state: 7 },
      { gcode_state: { nested: true } },
    ],
    { unknownState: (value: string) => logged.push(value) },
  );
  assert.equal(init!.state, 'idle', 'INIT: starting up, not an error');
  assert.deepEqual(init!.errors, []);
  assert.equal(offline!.state, 'offline');
  assert.equal(odd!.state, 'unknown');
  assert.equal(numeric!.state, 'unknown');
  assert.equal(object!.state, 'unknown');
  assert.deepEqual(logged, ['CALIBRATING_LIDAR', '7', '[object]']);
});

test("the serial number is the configured one when get_version's sn is empty or absent", () => {
  const report = printReport.parse({ gcode_state: 'IDLE' });
  const version = (sn?: string): VersionInfo => ({
    command: 'get_version',
    module: [{ name: 'ota', sw_ver: '01.01.01.00', ...(sn !== undefined ? { sn } : {}) }],
  });
  const map = toSnapshot as (
    r: PrintReport,
    v: VersionInfo | undefined,
    n: number,
    o: unknown,
  ) => MachineSnapshot;
  const options = { serial: '01P00A123456789' };
  assert.equal(map(report, version(''), NOW, options).serialNumber, '01P00A123456789');
  assert.equal(map(report, version(), NOW, options).serialNumber, '01P00A123456789');
  assert.equal(map(report, undefined, NOW, options).serialNumber, '01P00A123456789');
  assert.equal(map(report, version('01P00A999999999'), NOW, options).serialNumber, '01P00A999999999');
});

test('a wifi_signal that is no signal strength is left out, not read as a huge number', () => {
  const [ok, odd, huge] = play([
    { gcode_state: 'IDLE', wifi_signal: '-48dBm' },
    { wifi_signal: 'n/a' },
    { wifi_signal: `-${'9'.repeat(400)}dBm` },
  ]);
  assert.deepEqual(
    ok!.gauges.find((g) => g.name === 'wifi_signal'),
    { name: 'wifi_signal', value: -48, unit: 'dBm' },
  );
  assert.equal(
    odd!.gauges.find((g) => g.name === 'wifi_signal'),
    undefined,
  );
  assert.equal(
    huge!.gauges.find((g) => g.name === 'wifi_signal'),
    undefined,
  );
});

test('a gcode_state that names what every object inherits is unknown (and told), and the snapshot is accepted', () => {
  for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const told: string[] = [];
    const [snapshot] = play([{ gcode_state: word, ...JOB }], { unknownState: (v: string) => told.push(v) });
    assert.equal(snapshot!.state, 'unknown', word);
    assert.equal(snapshot!.job, undefined, word);
    assert.deepEqual(told, [word]);
  }
});
