import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import { commandEnded, startCommandMachine } from '../../../test/helpers/commands.ts';
import { waitFor } from '../../../test/helpers/harness.ts';
import { JeniSimulator } from './simulator/photocentric-jeni-simulator.ts';

/** The machine, taking every command unattended, run by a real agent and the emulator. */
async function setup(t: TestContext) {
  const sim = await JeniSimulator.start({ speed: 2 });
  t.after(() => sim.close());
  const machine = await startCommandMachine(t, {
    collector: 'photocentric-jeni',
    connection: { host: sim.host, port: sim.port },
  });
  return { sim, ...machine };
}

const ended = commandEnded;

const FILE = Buffer.from('JENI print file '.repeat(10_000));

test('start_job with a preset uploads the file and starts a job with it; pause, resume and cancel reach the cell once each', async (t) => {
  const { sim, emulator, live, modeler } = await setup(t);
  const file = emulator.addBuildFile({
    name: 'caps.cws',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });
  const start = emulator.sendCommand({
    type: 'start_job',
    modeler,
    'build-file': file.uri,
    printing_preset: 'Durable DL110 HB Bottle Cap',
  });
  const started = await ended(emulator, start.uuid, 'the start');
  assert.equal(started.status, 'complete', JSON.stringify(started.response));
  assert.equal(started.response.preset_id, 'p-dl110-cap');
  assert.equal(started.response.state, 'printing');
  const jobId = String(started.response.job_id);
  await waitFor(() => live()?.snapshot.state === 'printing', 10_000, 'printing');
  assert.equal(live()?.snapshot.job?.id, jobId);
  assert.equal(live()?.snapshot.job?.name, 'caps');

  const pause = emulator.sendCommand({ type: 'pause_job', modeler, job_external_id: jobId });
  const paused = await ended(emulator, pause.uuid, 'the pause');
  assert.equal(paused.status, 'complete', JSON.stringify(paused.response));
  assert.deepEqual([paused.response.state_before, paused.response.state_after], ['printing', 'paused']);
  await waitFor(() => live()?.snapshot.state === 'paused', 10_000, 'paused');

  const resume = emulator.sendCommand({ type: 'resume_job', modeler });
  const resumed = await ended(emulator, resume.uuid, 'the resume');
  assert.equal(resumed.status, 'complete', JSON.stringify(resumed.response));
  assert.equal(resumed.response.state_after, 'printing');

  const cancel = emulator.sendCommand({ type: 'cancel_job', modeler, job_external_id: jobId });
  const cancelled = await ended(emulator, cancel.uuid, 'the cancel');
  assert.equal(cancelled.status, 'complete', JSON.stringify(cancelled.response));
  assert.equal(cancelled.response.state_after, 'cancelled');
  await waitFor(() => live()?.snapshot.state === 'idle', 10_000, 'idle after the cancel');

  const upload = sim.commandsReceived[0]!;
  assert.deepEqual(upload.file, {
    name: 'caps.cws',
    size: FILE.length,
    sha256: createHash('sha256').update(FILE).digest('hex'),
  });
  const fileId = (sim.commandsReceived[1]!.body as { file_id: string }).file_id;
  assert.deepEqual(
    sim.commandsReceived.map((c) => [c.path, c.body ?? null]),
    [
      ['/api/v1/files', null],
      ['/api/v1/jobs', { file_id: fileId, preset_id: 'p-dl110-cap', name: 'caps' }],
      [`/api/v1/jobs/${jobId}/pause`, null],
      [`/api/v1/jobs/${jobId}/resume`, null],
      [`/api/v1/jobs/${jobId}/cancel`, null],
    ],
    'each command reached the cell exactly once',
  );
});

test('refusals never reach the cell: no preset, an unknown preset, a state that does not allow the command', async (t) => {
  const { sim, emulator, live, modeler } = await setup(t);
  const file = emulator.addBuildFile({
    name: 'caps.cws',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });

  const none = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': file.uri });
  const noPreset = await ended(emulator, none.uuid, 'a start without a preset');
  assert.equal(noPreset.status, 'error');
  assert.equal(noPreset.response.error, 'refused_by_state');
  assert.match(String(noPreset.response.message), /names none/);

  const unknown = emulator.sendCommand({
    type: 'start_job',
    modeler,
    'build-file': file.uri,
    printing_preset: 'Tough Black Gear',
  });
  const unknownPreset = await ended(emulator, unknown.uuid, 'a start with an unknown preset');
  assert.equal(unknownPreset.response.error, 'refused_by_state');
  assert.match(String(unknownPreset.response.message), /no preset "Tough Black Gear"/);

  const idlePause = emulator.sendCommand({ type: 'pause_job', modeler });
  const idle = await ended(emulator, idlePause.uuid, 'a pause on an idle cell');
  assert.equal(idle.response.error, 'refused_by_state');
  assert.match(String(idle.response.message), /runs no job: there is nothing to pause/);

  sim.startJob('a', 'Hard Grey Bracket');
  sim.startJob('b', 'Hard Grey Bracket');
  await waitFor(() => live()?.snapshot.state === 'printing', 10_000, 'printing');
  const resume = emulator.sendCommand({ type: 'resume_job', modeler });
  const ambiguous = await ended(emulator, resume.uuid, 'a resume naming no job of two');
  assert.equal(ambiguous.response.error, 'refused_by_state');
  assert.match(String(ambiguous.response.message), /runs 2 jobs/);
  const full = emulator.sendCommand({
    type: 'start_job',
    modeler,
    'build-file': file.uri,
    printing_preset: 'Hard Grey Bracket',
  });
  const busy = await ended(emulator, full.uuid, 'a start with every printer bay busy');
  assert.equal(busy.response.error, 'refused_by_state');
  assert.match(String(busy.response.message), /no printer bay of the cell is free/);

  assert.deepEqual(sim.commandsReceived, [], 'nothing reached the cell');
});
