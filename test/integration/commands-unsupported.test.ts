import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HaasSimulator } from '../../src/collectors/haas/simulator/haas-simulator.ts';
import { commandEnded, startCommandMachine } from '../helpers/commands.ts';

test('a command the machine’s collector cannot carry out ends as unsupported_command naming the machine, even where the allow-list lets it through', async (t) => {
  const sim = new HaasSimulator();
  t.after(() => sim.close());
  const port = await sim.listenTcp();
  const { emulator, modeler } = await startCommandMachine(t, {
    name: 'haas-vf2',
    collector: 'haas',
    connection: { transport: 'tcp', host: '127.0.0.1', port },
    // start_job is not allowed either: what the machine cannot do is said first.
    commands: { allow: ['pause_job', 'check_configuration'] },
  });

  const pause = emulator.sendCommand({ type: 'pause_job', modeler });
  const paused = await commandEnded(emulator, pause.uuid, 'the pause on a Haas');
  assert.equal(paused.status, 'error');
  assert.equal(paused.response.error, 'unsupported_command');
  assert.match(String(paused.response.message), /machine "haas-vf2" \(Haas\b.*\) cannot pause_job from Echo/);
  assert.deepEqual(paused.reports, ['processing', 'error'], 'processing is always the first report');

  const start = emulator.sendCommand({ type: 'start_job', modeler });
  const started = await commandEnded(emulator, start.uuid, 'the start_job on a Haas');
  assert.equal(started.response.error, 'unsupported_command');

  // What every collector can do still runs.
  const check = emulator.sendCommand({ type: 'check_configuration', modeler });
  const checked = await commandEnded(emulator, check.uuid, 'the check on a Haas');
  assert.equal(checked.status, 'complete', JSON.stringify(checked.response));
  assert.equal(checked.response.reachable, true);
});
