import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { PtyPair } from '../sdk/simulator/pty-pair.ts';
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
