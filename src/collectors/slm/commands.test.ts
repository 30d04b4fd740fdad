import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { commandEnded } from '../../../test/helpers/commands.ts';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { SlmSimulator } from './simulator/slm-simulator.ts';

/** An SLM 280 run by a real agent against the emulator; `jobManagement: false` has no job methods. */
async function setup(t: TestContext, jobManagement = true) {
  const sim = await SlmSimulator.start({ layersPerSecond: 20, jobManagement });
  t.after(() => sim.close());
  const machine = await startMachine(t, {
    collector: 'slm',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      security: { server_certificate_fingerprint: sim.fingerprint },
    },
    poll_interval: 0.5,
    timeout: 10,
  });
  await waitFor(() => machine.live().snapshot.state === 'idle', 20_000, 'idle');
  const send = (type: string, extra: Record<string, unknown> = {}) =>
    machine.emulator.sendCommand({ type, modeler: machine.modeler().uri as string, ...extra });
  return { sim, send, ...machine };
}

const ended = commandEnded;

test('pause, resume and cancel call the JobOrderControl methods found by browsing, once each', async (t) => {
  const { sim, emulator, send, live } = await setup(t);
  sim.build.start('impeller.slm', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building');

  const paused = await ended(emulator, send('pause_job').uuid, 'pause');
  assert.equal(paused.status, 'complete', JSON.stringify(paused.response));
  assert.equal(paused.response.state_before, 'printing');
  assert.equal(paused.response.state_after, 'paused');
  assert.equal(paused.response.return_status, '1', 'ISA-95 ReturnStatus: no error');
  // The NodeIds are random strings chosen by this run's server: found by browsing, not guessed.
  const control = sim.jobControl!;
  assert.equal(paused.response.method_node_id, control.methodNodeIds.Pause);
  assert.equal(paused.response.object_node_id, control.objectNodeId);
  assert.equal(paused.response.method_path, 'SLM/JobManagement/JobOrderControl/Pause');
  assert.equal(sim.build.state, 'Paused');

  const resumed = await ended(emulator, send('resume_job').uuid, 'resume');
  assert.equal(resumed.status, 'complete', JSON.stringify(resumed.response));
  assert.equal(resumed.response.method_node_id, control.methodNodeIds.Resume);
  assert.equal(resumed.response.state_after, 'printing');

  const cancelled = await ended(
    emulator,
    send('cancel_job', { job_external_id: 'impeller.slm' }).uuid,
    'cancel',
  );
  assert.equal(cancelled.status, 'complete', JSON.stringify(cancelled.response));
  assert.equal(cancelled.response.method, 'Abort', "Abort, not ISA-95's Cancel (for jobs not started)");
  assert.equal(cancelled.response.method_node_id, control.methodNodeIds.Abort);
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'idle after the cancel');

  assert.deepEqual(
    sim.calls.map((c) => [c.method, c.methodNodeId, c.objectNodeId, c.inputs[0], c.status]),
    [
      ['Pause', control.methodNodeIds.Pause, control.objectNodeId, 'impeller.slm', 'Good'],
      ['Resume', control.methodNodeIds.Resume, control.objectNodeId, 'impeller.slm', 'Good'],
      ['Abort', control.methodNodeIds.Abort, control.objectNodeId, 'impeller.slm', 'Good'],
    ],
    'each command reached the machine exactly once, with the job order id',
  );
  assert.deepEqual(sim.calls[0]!.inputs[1], [], 'an empty Comment');
});

test('a command the machine state does not allow is refused without calling the method', async (t) => {
  const { sim, emulator, send, live } = await setup(t);
  const idlePause = await ended(emulator, send('pause_job').uuid, 'pause on an idle machine');
  assert.equal(idlePause.status, 'error');
  assert.equal(idlePause.response.error, 'refused_by_state');
  assert.equal(idlePause.response.machine_state, 'idle');
  assert.match(String(idlePause.response.message), /no job: there is nothing to pause/);
  const idleCancel = await ended(emulator, send('cancel_job').uuid, 'cancel on an idle machine');
  assert.equal(idleCancel.response.error, 'refused_by_state');

  sim.build.start('bracket.slm', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building');
  const resume = await ended(emulator, send('resume_job').uuid, 'resume of a running build');
  assert.equal(resume.response.error, 'refused_by_state');
  assert.equal(resume.response.machine_state, 'printing');
  const otherJob = await ended(
    emulator,
    send('cancel_job', { job_external_id: 'another.slm' }).uuid,
    'cancel of another job',
  );
  assert.equal(otherJob.response.error, 'refused_by_state');
  assert.match(String(otherJob.response.message), /not another\.slm: nothing was sent/);

  assert.deepEqual(sim.calls, [], 'no method was called');
  assert.equal(sim.build.state, 'Building');
});

test('a server without job methods: the command ends as an error that says unsupported, nothing called', async (t) => {
  const { sim, emulator, send, live } = await setup(t, false);
  sim.build.start('housing.slm', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building');
  const pause = await ended(emulator, send('pause_job').uuid, 'pause without methods');
  assert.equal(pause.status, 'error');
  assert.equal(pause.response.error, 'unsupported_command');
  assert.match(
    String(pause.response.message),
    /exposes no Pause\/PauseJob method \(browsed \d+ nodes under SLM ns=1;i=\d+\)/,
  );
  assert.deepEqual(sim.calls, []);
  assert.equal(sim.build.state, 'Building');
});

test('a Bad status code or an ISA-95 ReturnStatus error from the method ends the command as an error naming it', async (t) => {
  const { sim, emulator, send, live } = await setup(t);
  sim.build.start('manifold.slm', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building');

  sim.answerNext = { status: 'BadUserAccessDenied' };
  const denied = await ended(emulator, send('pause_job').uuid, 'pause answered Bad');
  assert.equal(denied.status, 'error');
  assert.equal(denied.response.error, 'failed');
  assert.match(String(denied.response.message), /JobOrderControl\/Pause answered BadUserAccessDenied/);

  // Bit 2 of ReturnStatus: "Invalid Job Order Command" (OPC 10031-4 B.2), with a Good status code.
  sim.answerNext = { status: 'Good', outputs: [[0, 1 << 2]] };
  const invalid = await ended(emulator, send('pause_job').uuid, 'pause answered ReturnStatus 4');
  assert.equal(invalid.status, 'error');
  assert.match(String(invalid.response.message), /answered ReturnStatus 4 \(Invalid Job Order Command\)/);

  assert.deepEqual(
    sim.calls.map((c) => [c.method, c.status]),
    [
      ['Pause', 'BadUserAccessDenied'],
      ['Pause', 'Good'],
    ],
  );
  assert.equal(sim.build.state, 'Building', 'still building');
});

test('SLM with the OPC 40540 model: pause, resume and cancel call MachineryBuildingBlocks/JobManagement/JobOrderControl of the machine below Machines', async (t) => {
  const sim = await SlmSimulator.start({
    layersPerSecond: 20,
    model: true,
    otherMachines: ['SLM280-20-0001'],
  });
  t.after(() => sim.close());
  const { emulator, live, modeler } = await startMachine(t, {
    collector: 'slm',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      serial_number: 'SLM280-21-0042',
      security: { server_certificate_fingerprint: sim.fingerprint },
    },
    poll_interval: 0.5,
    timeout: 10,
  });
  const send = (type: string) => emulator.sendCommand({ type, modeler: modeler().uri as string });
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  sim.build.start('impeller.slm', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building');

  const control = sim.jobControl!;
  const base = 'SLM 280 SLM280-21-0042/MachineryBuildingBlocks/JobManagement/JobOrderControl';
  for (const [type, method, state] of [
    ['pause_job', 'Pause', 'paused'],
    ['resume_job', 'Resume', 'printing'],
    ['cancel_job', 'Abort', 'idle'],
  ] as const) {
    const result = await ended(emulator, send(type).uuid, type);
    assert.equal(result.status, 'complete', JSON.stringify(result.response));
    assert.equal(result.response.method_path, `${base}/${method}`);
    assert.equal(result.response.method_node_id, control.methodNodeIds[method], 'found by browsing');
    assert.equal(result.response.object_node_id, control.objectNodeId);
    assert.equal(result.response.state_after, state);
    await waitFor(() => live().snapshot.state === state, 5000, `the machine ${state}`);
  }
  assert.deepEqual(
    sim.calls.map((c) => [c.method, c.objectNodeId, c.inputs[0], c.status]),
    [
      ['Pause', control.objectNodeId, 'impeller.slm', 'Good'],
      ['Resume', control.objectNodeId, 'impeller.slm', 'Good'],
      ['Abort', control.objectNodeId, 'impeller.slm', 'Good'],
    ],
  );
});

test('SLM with the OPC 40540 model, a JobOrderControl without Pause/Resume: those commands are unsupported, nothing called', async (t) => {
  const sim = await SlmSimulator.start({
    layersPerSecond: 20,
    model: true,
    jobOrderMethods: ['Abort', 'Cancel', 'Clear'],
  });
  t.after(() => sim.close());
  const { emulator, live, modeler } = await startMachine(t, {
    collector: 'slm',
    connection: {
      endpoint_url: sim.endpointUrl,
      sampling_interval_ms: 100,
      security: { server_certificate_fingerprint: sim.fingerprint },
    },
    poll_interval: 0.5,
    timeout: 10,
  });
  const send = (type: string) => emulator.sendCommand({ type, modeler: modeler().uri as string });
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle');
  sim.build.start('housing.slm', 100_000);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'building');
  for (const type of ['pause_job', 'resume_job']) {
    const result = await ended(emulator, send(type).uuid, type);
    assert.equal(result.status, 'error');
    assert.equal(result.response.error, 'unsupported_command');
    assert.match(String(result.response.message), /browsed \d+ nodes under SLM 280 SLM280-21-0042 /);
  }
  assert.deepEqual(sim.calls, []);
  assert.equal(sim.build.state, 'Building');
});
