import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { allCollectors } from '../../src/collectors/all.ts';
import { startDemoFleet } from '../../src/collectors/demo-fleet.ts';
import { commandEnded } from '../helpers/commands.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('check_configuration on every collector with a simulator: each machine answers reachable, with what its connection test found', async (t) => {
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
  // Every registered collector with a simulator was checked.
  const withDemo = allCollectors()
    .list()
    .map((d) => d.id)
    .filter((id) => collectors.has(id));
  assert.deepEqual([...collectors].sort(), withDemo.sort());
  assert.ok(collectors.size >= 9, `${collectors.size} collectors checked`);
});
