import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { allCollectors } from '../../src/collectors/all.ts';
import { startDemoFleet } from '../../src/collectors/demo-fleet.ts';
import { JeniSimulator } from '../../src/collectors/photocentric-jeni/simulator/photocentric-jeni-simulator.ts';
import { commandEnded, startCommandMachine } from '../helpers/commands.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('check_configuration on every registered collector: each machine answers reachable, with what its connection test found', async (t) => {
  const fleet = await startDemoFleet();
  t.after(() => fleet.close());
  const names = fleet.machines.map((m) => m.name);
  const { emulator, modelers } = await startEmulator(t, names);
  const base = testConfig(join(tempDir(t), 'data'), emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 1 },
  });
  const config = {
    ...base,
    machines: fleet.machines.map((m) => ({ ...base.machines.find((b) => b.name === m.name)!, ...m })),
  } as typeof base;
  const agent = await startAgentWithCollectors(t, config);
  await waitFor(
    () => agent.machines().every((m) => m.live?.connected === true),
    60_000,
    'every demo machine connected',
    {
      describe: () =>
        JSON.stringify(
          agent
            .machines()
            .filter((m) => !m.live?.connected)
            .map((m) => [m.name, m.live?.lastError]),
        ),
    },
  );
  const sent = fleet.machines.map((m) => ({
    machine: m,
    command: emulator.sendCommand({ type: 'check_configuration', modeler: modelers[m.name]! }),
  }));
  const collectors = new Set<string>();
  for (const { machine, command } of sent) {
    const result = await commandEnded(
      emulator,
      command.uuid,
      `check_configuration on ${machine.name}`,
      60_000,
    );
    assert.equal(result.status, 'complete', `${machine.name}: ${JSON.stringify(result.response)}`);
    assert.equal(result.response.reachable, true, machine.name);
    assert.equal(typeof result.response.message, 'string');
    collectors.add(machine.collector);
  }
  // Every registered collector was checked: the registry's full list, not the ones that happened
  // to run, so a collector whose demo is missing (or lost) fails here. No collector is excluded:
  // each one has a simulator/demo.ts. Add an id here only for a collector that truly cannot run
  // in this test, with the reason beside it.
  const cannotRunHere: readonly string[] = [];
  const expected = allCollectors()
    .list()
    .map((d) => d.id)
    .filter((id) => !cannotRunHere.includes(id));
  assert.deepEqual([...collectors].sort(), expected.sort());
});

test('check_configuration compares the machine’s serial number with the cloud modeler’s: a match, then a mismatch ends as error', async (t) => {
  const sim = await JeniSimulator.start();
  t.after(() => sim.close());
  const { emulator, modeler, live } = await startCommandMachine(t, {
    collector: 'photocentric-jeni',
    connection: { host: sim.host, port: sim.port },
    readyState: null,
  });
  await waitFor(() => typeof live()?.snapshot.serialNumber === 'string', 15_000, 'the machine’s serial');
  const serial = live()!.snapshot.serialNumber!;
  const record = [...emulator.state.modelers.values()].find((m) => m.uri === modeler)!;
  const check = () =>
    commandEnded(
      emulator,
      emulator.sendCommand({ type: 'check_configuration', modeler }).uuid,
      'check_configuration',
      30_000,
    );

  record.serial_number = serial;
  const matching = await check();
  assert.equal(matching.status, 'complete', JSON.stringify(matching.response));
  assert.equal(matching.response.serial_number, serial);
  assert.equal(matching.response.serial_matches_cloud, true);

  record.serial_number = `${serial}-OTHER`;
  const other = await check();
  assert.equal(other.status, 'error', JSON.stringify(other.response));
  assert.equal(other.response.serial_number, serial);
  assert.equal(other.response.serial_matches_cloud, false);
  assert.equal(other.response.reachable, true);
  assert.match(String(other.response.message), new RegExp(`is not the cloud's ${serial}-OTHER`));
});
