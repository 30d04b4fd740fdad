import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  startAgentWithCollectors,
  startEmulator,
  startMachine,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import type { CloudEmulator } from '../../cloud-emulator/server.ts';
import { machineSnapshot } from '../../shared/model/machine-snapshot.ts';
import { toSnapshot } from './map.ts';
import { parseStreams } from './protocol.ts';
import { MtconnectSimulator } from './simulator/mtconnect-simulator.ts';

const HISTORIC = 'stratasys.connectivity.modeler.historic';

test('a print through MTConnect /current: idle, printing, interrupted, fault, back; status XML in the cloud', async (t) => {
  const sim = await MtconnectSimulator.start();
  t.after(() => sim.close());
  const { emulator, live } = await startMachine(t, {
    collector: 'stratasys-mtconnect',
    connection: { url: sim.url },
    poll_interval: 0.2,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'F370-0099123');
  sim.startJob('manifold-v2.cmb', 1500);
  await waitFor(() => live().snapshot.state === 'printing', 5000, 'printing');
  assert.equal(live().snapshot.job?.name, 'manifold-v2.cmb');
  // The head heats at the simulator's next tick (every 250 ms), not with the Execution change.
  await waitFor(
    () => (live().snapshot.gauges.find((g) => g.name === 'modelhead_temperature')?.value ?? 0) > 300,
    5000,
    'the model head hot',
  );
  sim.interrupt();
  await waitFor(() => live().snapshot.state === 'paused', 5000, 'interrupted');
  sim.resume();
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'finished');
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'part_count')?.value, 1);
  sim.fault('Model material out');
  await waitFor(() => live().snapshot.state === 'error', 5000, 'fault');
  assert.deepEqual(live().snapshot.errors, ['SYSTEM: Model material out']);
  sim.clearFault();
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'cleared');
  sim.setDown(true);
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline');
  sim.setDown(false);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back');

  const executions = () =>
    [...emulator.state.captures.values()]
      .filter((c) => c.capture_type_name === 'stratasys.connectivity.modeler.status' && c.content)
      .flatMap((c) => parseStreams(c.content!.toString(), 'cloud').observations)
      .filter((o) => o.name === 'Execution')
      .map((o) => o.value);
  await waitFor(
    () => ['READY', 'ACTIVE', 'INTERRUPTED', 'STOPPED'].every((e) => executions().includes(e)),
    15_000,
    'the raw XML in the cloud',
  );
});

/** Every (instance, sequence) the historic captures in the cloud hold. */
function collected(emulator: CloudEmulator): string[] {
  return [...emulator.state.captures.values()]
    .filter((c) => c.capture_type_name === HISTORIC && c.content)
    .flatMap((c) => {
      const { header, observations } = parseStreams(c.content!.toString(), 'cloud');
      return observations.map((o) => `${header.instanceId}:${o.sequence}`);
    });
}

test('history is the sample stream after the watermark: once each, across an agent restart, and a gap is flagged', async (t) => {
  const sim = await MtconnectSimulator.start({ bufferSize: 300 });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['f370']);
  const dir = tempDir(t);
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'stratasys-mtconnect',
      connection: { url: sim.url, sample_count: 100 },
      poll_interval: 0.5,
      timeout: 2,
      history: { frequency: 'hourly' as const, interval: 1, page_size: 100 },
    })),
  };
  const modeler = () => [...emulator.state.modelers.values()][0]!;
  const first = await startAgentWithCollectors(t, config);
  await waitFor(() => collected(emulator).length >= 50, 15_000, 'a first window');
  sim.startJob('bracket', 500);
  const issuedBefore = sim.issued;
  await waitFor(
    () => collected(emulator).filter((k) => Number(k.split(':')[1]) >= issuedBefore).length > 0,
    15_000,
    'newer samples',
  );

  // The agent restarts: a new instance id, sequences from 1 again; nothing mistaken for old data.
  sim.restartAgent();
  await waitFor(
    () => new Set(collected(emulator).map((k) => k.split(':')[0])).size === 2,
    15_000,
    'the new instance',
  );
  const keys = collected(emulator);
  assert.equal(new Set(keys).size, keys.length, 'no observation twice');
  await first.stop();

  // Echo is away while the agent's buffer (300) turns over: the next run starts at the oldest
  // observation still there and says there is a gap.
  sim.burst(1000);
  const second = await startAgentWithCollectors(t, config);
  await waitFor(
    () =>
      [...emulator.state.captures.values()].some(
        (c) => c.capture_type_name === HISTORIC && (c.meta as { gap?: boolean }).gap === true,
      ),
    15_000,
    'a capture flagged as after a gap',
  );
  const all = collected(emulator);
  assert.equal(new Set(all).size, all.length, 'still no observation twice');
  await waitFor(
    () => String(modeler().watermark ?? '').startsWith(String(sim.instance).padStart(12, '0')),
    20_000,
    'cloud watermark on the new instance',
  );
  assert.ok(second.machines()[0]!.history!.watermark!.includes(':'));
});

/** A `/current` document of the Controller component holding `events` (tag, attributes, value) in sequence order. */
function current(events: Array<[tag: string, attributes: string, value: string]>): string {
  const xml = events
    .map(
      ([tag, attributes, value], i) =>
        `<${tag} dataItemId="d${i}" sequence="${i + 1}" timestamp="2026-01-01T00:00:00Z" ${attributes}>${value}</${tag}>`,
    )
    .join('');
  return `<?xml version="1.0"?><MTConnectStreams><Header instanceId="1" firstSequence="1" nextSequence="${events.length + 1}" lastSequence="${events.length}"/><Streams><DeviceStream name="F370"><ComponentStream component="Controller" name="Controller"><Events>${xml}</Events></ComponentStream></DeviceStream></Streams></MTConnectStreams>`;
}

const snapshotOf = (events: Array<[string, string, string]>) =>
  toSnapshot(parseStreams(current(events), 'test').observations);

test('mapping: WAIT is printing, PROGRAM_OPTIONAL_STOP is paused', () => {
  const run = (execution: string) =>
    snapshotOf([
      ['Program', '', 'bracket.cmb'],
      ['Execution', '', execution],
    ]);
  assert.equal(run('WAIT').state, 'printing');
  assert.equal(run('WAIT').job?.name, 'bracket.cmb');
  assert.equal(run('PROGRAM_OPTIONAL_STOP').state, 'paused');
  assert.equal(run('PROGRAM_OPTIONAL_STOP').job?.name, 'bracket.cmb');
});

test('mapping: an Execution that names what every object inherits is unknown, and the snapshot is accepted', () => {
  for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const s = snapshotOf([
      ['Program', '', 'bracket.cmb'],
      ['Execution', '', word],
    ]);
    machineSnapshot.parse(s);
    assert.equal(s.state, 'unknown', word);
    assert.equal(s.job, undefined, word);
  }
});

test('mapping: PartCount and Program by subType (ALL/GOOD, MAIN/ACTIVE), never TARGET by sequence', () => {
  const s = snapshotOf([
    ['Execution', '', 'ACTIVE'],
    ['Program', 'subType="MAIN"', 'bracket.cmb'],
    ['PartCount', 'subType="ALL"', '7'],
    ['PartCount', 'subType="GOOD"', '6'],
    ['Program', 'subType="ACTIVE"', 'bracket.cmb:support'],
    ['PartCount', 'subType="TARGET"', '50'],
    ['Program', 'subType="SCHEDULE"', 'tomorrow.cmb'],
  ]);
  assert.equal(s.job?.name, 'bracket.cmb');
  assert.equal(s.gauges.find((g) => g.name === 'part_count')?.value, 7);
  // GOOD when there is no ALL; nothing when there is only a target.
  const good = snapshotOf([
    ['PartCount', 'subType="GOOD"', '6'],
    ['PartCount', 'subType="TARGET"', '50'],
  ]);
  assert.equal(good.gauges.find((g) => g.name === 'part_count')?.value, 6);
  const target = snapshotOf([
    ['PartCount', 'subType="TARGET"', '50'],
    ['PartCount', 'subType="REMAINING"', '43'],
  ]);
  assert.equal(
    target.gauges.find((g) => g.name === 'part_count'),
    undefined,
  );
  // ACTIVE when there is no MAIN.
  const active = snapshotOf([
    ['Execution', '', 'ACTIVE'],
    ['Program', 'subType="ACTIVE"', 'sub.cmb'],
    ['Program', 'subType="SCHEDULE"', 'tomorrow.cmb'],
  ]);
  assert.equal(active.job?.name, 'sub.cmb');
});

test('mapping: Firmware subType VERSION first, FirmwareVersion otherwise, never RELEASE_DATE or UNAVAILABLE', () => {
  const both = snapshotOf([
    ['FirmwareVersion', '', '1.6.0'],
    ['Firmware', 'subType="VERSION"', '1.7.2.0'],
    ['Firmware', 'subType="RELEASE_DATE"', '2024-03-01'],
  ]);
  assert.equal(both.firmware, '1.7.2.0');
  assert.equal(snapshotOf([['FirmwareVersion', '', '1.6.0']]).firmware, '1.6.0');
  const unavailable = snapshotOf([
    ['Firmware', 'subType="VERSION"', 'UNAVAILABLE'],
    ['FirmwareVersion', '', '1.6.0'],
  ]);
  assert.equal(unavailable.firmware, '1.6.0');
  assert.equal(snapshotOf([['FirmwareVersion', '', 'UNAVAILABLE']]).firmware, undefined);
});

test('mapping: ControllerMode MANUAL/EDIT: READY is idle, a running Execution is maintenance without a job', () => {
  const at = (mode: string, execution: string) =>
    snapshotOf([
      ['ControllerMode', '', mode],
      ['Program', '', 'bracket.cmb'],
      ['Execution', '', execution],
    ]);
  assert.equal(at('MANUAL', 'READY').state, 'idle');
  assert.equal(at('MANUAL', 'ACTIVE').state, 'maintenance');
  assert.equal(at('MANUAL', 'ACTIVE').job, undefined);
  assert.equal(at('EDIT', 'INTERRUPTED').state, 'maintenance');
  assert.equal(at('AUTOMATIC', 'ACTIVE').state, 'printing');
  assert.equal(at('SEMI_AUTOMATIC', 'ACTIVE').state, 'printing');
  assert.equal(at('MANUAL_DATA_INPUT', 'FEED_HOLD').state, 'paused');
  assert.equal(at('UNAVAILABLE', 'ACTIVE').state, 'printing');
});

test('the standard layout (subTypes, Firmware VERSION, ControllerMode) through a real agent', async (t) => {
  const sim = await MtconnectSimulator.start({ layout: 'standard' });
  t.after(() => sim.close());
  const { emulator, live } = await startMachine(t, {
    collector: 'stratasys-mtconnect',
    connection: { url: sim.url },
    poll_interval: 0.2,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.firmware, '1.7.2.0');
  sim.startJob('manifold-v2.cmb', 1500);
  await waitFor(() => live().snapshot.state === 'printing', 5000, 'printing');
  assert.equal(live().snapshot.job?.name, 'manifold-v2.cmb', 'the MAIN program, not the ACTIVE subprogram');
  sim.setExecution('WAIT');
  await new Promise((resolve) => setTimeout(resolve, 600)); // three polls
  assert.equal(live().snapshot.state, 'printing', 'WAIT is still printing');
  sim.setExecution('PROGRAM_OPTIONAL_STOP');
  await waitFor(() => live().snapshot.state === 'paused', 5000, 'optional stop');
  sim.setExecution('ACTIVE');
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'finished');
  assert.equal(
    live().snapshot.gauges.find((g) => g.name === 'part_count')?.value,
    1,
    'ALL, not the TARGET of 10',
  );
  sim.setControllerMode('MANUAL');
  sim.setExecution('ACTIVE');
  await waitFor(() => live().snapshot.state === 'maintenance', 5000, 'manual: someone at the machine');
  assert.equal(live().snapshot.job, undefined);
  await waitFor(
    () =>
      [...emulator.state.captures.values()].some(
        (c) => (c.meta as { controller_mode?: string }).controller_mode === 'MANUAL',
      ),
    10_000,
    'the controller mode in the capture meta',
  );
});
