import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import type { CollectorContext } from '../sdk/collector.ts';
import { PtyPair } from '../sdk/simulator/pty-pair.ts';
import { HaasCollector } from './collector.ts';
import { haasConnection } from './config.ts';
import { toSnapshot, withLastKnown } from './map.ts';
import { answerValue, parseQ500 } from './protocol.ts';
import { HaasSimulator } from './simulator/haas-simulator.ts';

test('Q-command answers: values, the three-in-one Q500, and UNKNOWN as a clear error', () => {
  assert.equal(answerValue('SERIAL NUMBER, 1234567', 'vf2', 'Q100'), '1234567');
  assert.deepEqual(parseQ500('PROGRAM, O01234, IDLE, PARTS, 380'), {
    program: 'O01234',
    status: 'IDLE',
    parts: 380,
  });
  assert.deepEqual(parseQ500('STATUS, BUSY'), { status: 'BUSY' });
  assert.throws(() => answerValue('UNKNOWN', 'vf2', 'Q999'), /answered "UNKNOWN" \(is Setting 143 on\?\)/);
});

test('over RS-232 (a socat pseudo-terminal pair): a program cycle, feed hold, alarm; unplug and replug', async (t) => {
  const pty = await PtyPair.open();
  t.after(() => pty.close());
  const sim = new HaasSimulator();
  t.after(() => sim.close());
  await sim.attachSerial(pty.machinePath);
  const { emulator, live } = await startMachine(t, {
    collector: 'haas',
    connection: { transport: 'serial', serial: { path: pty.hostPath } },
    poll_interval: 0.2,
    timeout: 2,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, '1234567');
  assert.equal(live().snapshot.firmware, '100.21.000.1037');

  sim.runProgram('O01234', 1500);
  await waitFor(() => live().snapshot.state === 'printing', 5000, 'running');
  assert.equal(live().snapshot.job?.name, 'O01234');
  assert.deepEqual(
    live().snapshot.gauges.find((g) => g.name === 'spindle_speed'),
    {
      name: 'spindle_speed',
      value: 8000,
      unit: 'rpm',
    },
  );
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'cycle done');
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'parts_count')?.value, 1);
  sim.runProgram('O01234', 60_000);
  sim.feedHold();
  await waitFor(() => live().snapshot.state === 'paused', 5000, 'feed hold');
  sim.alarm();
  await waitFor(() => live().snapshot.state === 'error', 5000, 'alarm');
  sim.reset();

  await pty.unplug();
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline when unplugged');
  assert.match(live().lastError!, /closed \(unplugged\?\)|does not exist/);
  await pty.replug();
  await sim.reattachSerial(pty.machinePath);
  const back = Date.now();
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back after replug');
  assert.ok(Date.now() - back < 30_000);

  await waitFor(() => emulator.state.captures.size >= 4, 10_000, 'captures');
  const captures = [...emulator.state.captures.values()].filter((c) => c.content);
  assert.ok(captures.every((c) => c.capture_type_name === 'haas.modeler.status'));
  const answers = captures.map(
    (c) => (JSON.parse(c.content!.toString()) as { answers: Record<string, string> }).answers,
  );
  assert.ok(
    answers.some((a) => a.Q500?.includes('FEED HOLD')),
    'the raw Q500 answers reached the cloud',
  );
});

test('over TCP: silence is offline, garbage is an error, both recover; a missing port is named', async (t) => {
  const sim = new HaasSimulator();
  t.after(() => sim.close());
  const port = await sim.listenTcp();
  const { live, agent, config } = await startMachine(t, {
    collector: 'haas',
    connection: { transport: 'tcp', host: '127.0.0.1', port },
    poll_interval: 0.2,
    timeout: 1,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.fault = 'silence';
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline when silent');
  sim.fault = 'garbage';
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error on garbage');
  assert.match(live().lastError!, /not a Q-command frame/);
  sim.fault = null;
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back');

  const listed = await agent.serialPorts();
  if (listed.problem) assert.match(listed.problem, /cannot list serial ports .*; type the port path/);
  else assert.ok(Array.isArray(listed.ports));

  const missing = await agent.testMachine({
    ...config.machines[0]!,
    connection: { transport: 'serial', serial: { path: '/dev/ttyECHO-missing' } },
  });
  assert.equal(missing.ok, false);
  assert.match(missing.message, /serial port \/dev\/ttyECHO-missing does not exist: check the cable/);
});

test('STATUS, BUSY (no program, no part count) keeps the last known job and part count', () => {
  const last = { program: 'O05678', parts: 12 };
  const busy = withLastKnown(parseQ500('STATUS, BUSY'), last);
  assert.deepEqual(busy, { status: 'BUSY', program: 'O05678', parts: 12 });
  const snapshot = toSnapshot({
    serial: '1',
    software: '100',
    model: 'VF2',
    mode: 'MEM',
    ...busy,
    lastCycle: undefined,
    macros: [],
  });
  assert.equal(snapshot.state, 'printing');
  assert.equal(snapshot.job?.name, 'O05678');
  assert.equal(snapshot.gauges.find((g) => g.name === 'parts_count')?.value, 12);
  // A PROGRAM answer is the control's word: it wins over what was known.
  assert.deepEqual(withLastKnown(parseQ500('PROGRAM, O01111, IDLE, PARTS, 13'), last), {
    program: 'O01111',
    status: 'IDLE',
    parts: 13,
  });
});

test('an NGC on its Ethernet port (no STX/ETB, STATUS BUSY, MACRO var, value) through a real agent on TCP', async (t) => {
  const sim = new HaasSimulator({
    framing: 'ngc-ethernet',
    busyAnswer: 'status',
    macroAnswer: 'variable-value',
  });
  t.after(() => sim.close());
  const port = await sim.listenTcp();
  const { live, emulator } = await startMachine(t, {
    collector: 'haas',
    connection: { transport: 'tcp', host: '127.0.0.1', port },
    poll_interval: 0.2,
    timeout: 2,
  });
  sim.program = 'O05678';
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle over the NGC framing');
  assert.equal(live().snapshot.serialNumber, '1234567');
  assert.equal(live().snapshot.firmware, '100.21.000.1037');
  // A poll that saw the loaded program before the cycle starts.
  await waitFor(
    () => [...emulator.state.captures.values()].some((c) => c.content?.toString().includes('O05678, IDLE')),
    10_000,
    'the idle program in a capture',
  );
  sim.runProgram('O05678', 60_000);
  await waitFor(() => live().snapshot.state === 'printing', 5000, 'running');
  assert.equal(live().snapshot.job?.name, 'O05678', 'the job survives STATUS, BUSY');
  await waitFor(
    () => live().snapshot.gauges.find((g) => g.name === 'spindle_speed')?.value === 8000,
    5000,
    'spindle speed from MACRO, 3027, 8000.000000',
  );
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'parts_count')?.value, 0);
  sim.fault = 'garbage';
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'garbage is still refused');
  assert.match(live().lastError!, /not a Q-command frame .*check the port settings/);
  sim.fault = null;
  await waitFor(() => live().snapshot.state === 'printing', 30_000, 'back');
});

test('a ?Q600 answer that is not a number: the gauge is left out and said once per macro, never 0', async (t) => {
  const sim = new HaasSimulator({ framing: 'ngc-ethernet', macroAnswer: 'garbled' });
  t.after(() => sim.close());
  const port = await sim.listenTcp();
  const warnings: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_obj: object, msg?: string) => warnings.push(msg ?? ''),
    error: () => undefined,
  };
  const connection = haasConnection.parse({
    transport: 'tcp',
    host: '127.0.0.1',
    port,
    macros: [
      { name: 'spindle_speed', variable: 3027, unit: 'rpm' },
      { name: 'coolant_level', variable: 13013 },
    ],
  });
  const collector = new HaasCollector(connection, { machine: 'vf2', logger } as unknown as CollectorContext);
  t.after(() => collector.close());
  await collector.connect(AbortSignal.timeout(5000));
  for (let i = 0; i < 3; i++) {
    const { snapshot } = await collector.poll(AbortSignal.timeout(5000));
    assert.deepEqual(
      snapshot.gauges.map((g) => g.name),
      ['parts_count', 'last_cycle_time'],
    );
  }
  assert.deepEqual(warnings, [
    '?Q600 3027 answered "MACRO, ###", not a number: the gauge spindle_speed is left out',
    '?Q600 13013 answered "MACRO, ###", not a number: the gauge coolant_level is left out',
  ]);
});
