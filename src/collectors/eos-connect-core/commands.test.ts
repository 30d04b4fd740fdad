import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandEnded } from '../../../test/helpers/commands.ts';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { EosCoreSimulator } from './simulator/eos-core-simulator.ts';

const ended = commandEnded;

test('EOSCONNECT Core: pause, resume and cancel call the vendor job methods found by browsing, once each; an idle pause calls nothing', async (t) => {
  const sim = await EosCoreSimulator.start({ layersPerSecond: 20 });
  t.after(() => sim.close());
  const { emulator, live, modeler } = await startMachine(t, {
    collector: 'eos-connect-core',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      security: {
        mode: 'SignAndEncrypt',
        policy: 'Basic256Sha256',
        server_certificate_fingerprint: sim.fingerprint,
      },
    },
    username: sim.username,
    secret: sim.password,
    poll_interval: 0.5,
    timeout: 10,
  });
  const send = (type: string) => emulator.sendCommand({ type, modeler: modeler().uri as string });
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');

  const idle = await ended(emulator, send('pause_job').uuid, 'pause on an idle machine');
  assert.equal(idle.response.error, 'refused_by_state');
  assert.equal(sim.calls.length, 0, 'nothing called on an idle machine');

  sim.build.start('bracket-batch-12', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building');
  const ids = sim.jobControl.methodNodeIds;
  const steps = [
    ['pause_job', 'PauseJob', 'paused'],
    ['resume_job', 'ResumeJob', 'printing'],
    ['cancel_job', 'AbortJob', 'idle'],
  ] as const;
  for (const [type, method, state] of steps) {
    const result = await ended(emulator, send(type).uuid, type);
    assert.equal(result.status, 'complete', JSON.stringify(result.response));
    assert.equal(result.response.method_path, `EOS/JobControl/${method}`);
    assert.equal(result.response.method_node_id, ids[method], 'the NodeId the server chose at random');
    assert.equal(result.response.object_node_id, sim.jobControl.objectNodeId);
    assert.equal(result.response.state_after, state);
  }
  assert.deepEqual(
    sim.calls.map((c) => [c.method, c.methodNodeId, c.inputs.length, c.status]),
    [
      ['PauseJob', ids.PauseJob, 0, 'Good'],
      ['ResumeJob', ids.ResumeJob, 0, 'Good'],
      ['AbortJob', ids.AbortJob, 0, 'Good'],
    ],
  );
});

test('EOSCONNECT Core, OPC 40540 model only: pause and resume call the 40001-3 JobOrderControl found by browsing from the machine below Machines; without Abort/Stop, cancel is unsupported', async (t) => {
  const sim = await EosCoreSimulator.start({ layersPerSecond: 20, model: 'only', otherMachines: ['SI0001'] });
  t.after(() => sim.close());
  const { emulator, live, modeler } = await startMachine(t, {
    collector: 'eos-connect-core',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      serial_number: 'SI4711',
      security: { server_certificate_fingerprint: sim.fingerprint },
    },
    username: sim.username,
    secret: sim.password,
    poll_interval: 0.5,
    timeout: 10,
  });
  const send = (type: string) => emulator.sendCommand({ type, modeler: modeler().uri as string });
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  sim.build.start('bracket-batch-12', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building (the standard states)');

  const control = sim.modelJobControl!;
  const base = 'EOS M 400 SI4711/MachineryBuildingBlocks/JobManagement/JobOrderControl';
  for (const [type, method, state] of [
    ['pause_job', 'Pause', 'paused'],
    ['resume_job', 'Resume', 'printing'],
  ] as const) {
    const result = await ended(emulator, send(type).uuid, type);
    assert.equal(result.status, 'complete', JSON.stringify(result.response));
    assert.equal(result.response.method_path, `${base}/${method}`);
    assert.equal(result.response.method_node_id, control.methodNodeIds[method], 'found by browsing');
    assert.equal(result.response.object_node_id, control.objectNodeId);
    assert.equal(result.response.return_status, '1', 'ISA-95 ReturnStatus: no error');
    assert.equal(result.response.state_after, state);
    await waitFor(() => live().snapshot.state === state, 5000, `the machine ${state}`);
  }

  const cancel = await ended(emulator, send('cancel_job').uuid, 'cancel without Abort or Stop');
  assert.equal(cancel.status, 'error');
  assert.equal(cancel.response.error, 'unsupported_command');
  assert.match(
    String(cancel.response.message),
    /exposes no AbortJob\/CancelJob\/StopJob\/Abort\/Stop method \(browsed \d+ nodes under EOS M 400 SI4711 /,
  );
  assert.deepEqual(
    sim.calls.map((c) => [c.method, c.methodNodeId, c.objectNodeId, c.inputs[0], c.status]),
    [
      ['Pause', control.methodNodeIds.Pause, control.objectNodeId, 'bracket-batch-12', 'Good'],
      ['Resume', control.methodNodeIds.Resume, control.objectNodeId, 'bracket-batch-12', 'Good'],
    ],
    'each command reached the model machine once, with the job order id; Cancel never called',
  );
  assert.equal(sim.build.state, 'Building', 'still building after the unsupported cancel');
});
