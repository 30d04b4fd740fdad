import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import { commandEnded, startCommandMachine } from '../../../test/helpers/commands.ts';
import { waitFor } from '../../../test/helpers/harness.ts';
import { PhotocentricSimulator, type SimulatorOptions } from './simulator/photocentric-simulator.ts';

/** The machine, taking every command unattended, run by a real agent and the emulator. */
async function setup(t: TestContext, options: SimulatorOptions = {}) {
  const sim = await PhotocentricSimulator.start({ speed: 5, ...options });
  t.after(() => sim.close());
  const machine = await startCommandMachine(t, {
    collector: 'photocentric',
    connection: { host: sim.host, port: sim.port },
  });
  return { sim, ...machine };
}

const ended = commandEnded;

const FILE = Buffer.from('PK\u0003\u0004 a Photocentric printable '.repeat(5000));

test('start_job with the selected resin profile uploads the file and starts it; pause, resume and cancel reach Photonic3D once each', async (t) => {
  const { sim, emulator, live, modeler } = await setup(t, { uploadSlices: 5000 });
  const file = emulator.addBuildFile({
    name: 'caps.zip',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });
  const start = emulator.sendCommand({
    type: 'start_job',
    modeler,
    'build-file': file.uri,
    printing_preset: 'Daylight Hard Grey',
  });
  const started = await ended(emulator, start.uuid, 'the start');
  assert.equal(started.status, 'complete', JSON.stringify(started.response));
  assert.equal(started.response.printing_preset, 'Daylight Hard Grey');
  assert.deepEqual(sim.uploaded('caps.zip'), {
    size: FILE.length,
    sha256: createHash('sha256').update(FILE).digest('hex'),
  });
  await waitFor(() => live()?.snapshot.state === 'printing', 10_000, 'printing');
  const jobId = String(started.response.job_id);
  assert.equal(live()?.snapshot.job?.id, jobId);
  assert.equal(live()?.snapshot.job?.name, 'caps');

  const pause = emulator.sendCommand({ type: 'pause_job', modeler, job_external_id: jobId });
  const paused = await ended(emulator, pause.uuid, 'the pause');
  assert.equal(paused.status, 'complete', JSON.stringify(paused.response));
  assert.deepEqual([paused.response.state_before, paused.response.state_after], ['Printing', 'Paused']);
  await waitFor(() => live()?.snapshot.state === 'paused', 10_000, 'paused');

  const resume = emulator.sendCommand({ type: 'resume_job', modeler });
  const resumed = await ended(emulator, resume.uuid, 'the resume');
  assert.equal(resumed.status, 'complete', JSON.stringify(resumed.response));
  assert.equal(resumed.response.state_after, 'Printing');

  const cancel = emulator.sendCommand({ type: 'cancel_job', modeler, job_external_id: jobId });
  const cancelled = await ended(emulator, cancel.uuid, 'the cancel');
  assert.equal(cancelled.status, 'complete', JSON.stringify(cancelled.response));
  await waitFor(() => live()?.snapshot.state === 'idle', 10_000, 'idle after the cancel');
  assert.equal(live()?.snapshot.job?.result, 'cancelled');

  const encoded = encodeURIComponent;
  assert.deepEqual(
    sim.commandsReceived.map((c) => c.path),
    [
      '/services/printables/uploadPrintableFile',
      `/services/printers/startJob/caps.zip/${encoded('Liquid Crystal Magna')}`,
      `/services/printJobs/togglePause/${jobId}`,
      `/services/printJobs/togglePause/${jobId}`,
      `/services/printJobs/stopJob/${jobId}`,
    ],
    'each command reached the host exactly once',
  );
});

test('refusals never reach the host: a command the state does not allow, an unknown or unselected preset', async (t) => {
  const { sim, emulator, live, modeler } = await setup(t);
  const idlePause = emulator.sendCommand({ type: 'pause_job', modeler });
  const refused = await ended(emulator, idlePause.uuid, 'pause on an idle printer');
  assert.equal(refused.status, 'error');
  assert.equal(refused.response.error, 'refused_by_state');
  assert.match(String(refused.response.message), /no job in progress: there is nothing to pause/);

  const file = emulator.addBuildFile({
    name: 'caps.zip',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });
  const unknown = emulator.sendCommand({
    type: 'start_job',
    modeler,
    'build-file': file.uri,
    printing_preset: 'Tough Black 9000',
  });
  const unknownPreset = await ended(emulator, unknown.uuid, 'a start with an unknown preset');
  assert.equal(unknownPreset.status, 'error');
  assert.equal(unknownPreset.response.error, 'refused_by_state');
  assert.match(String(unknownPreset.response.message), /no resin profile "Tough Black 9000"/);

  const other = emulator.sendCommand({
    type: 'start_job',
    modeler,
    'build-file': file.uri,
    printing_preset: 'Durable DL110 HB',
  });
  const notSelected = await ended(emulator, other.uuid, 'a start with a preset not selected');
  assert.equal(notSelected.status, 'error');
  assert.match(String(notSelected.response.message), /cannot change it remotely: select "Durable DL110 HB"/);

  sim.startJob('lattice', 100_000);
  await waitFor(() => live()?.snapshot.state === 'printing', 10_000, 'printing');
  const resume = emulator.sendCommand({ type: 'resume_job', modeler });
  const notPaused = await ended(emulator, resume.uuid, 'resume of a printing job');
  assert.equal(notPaused.response.error, 'refused_by_state');
  assert.equal(notPaused.response.machine_state, 'Printing');
  const wrongJob = emulator.sendCommand({ type: 'cancel_job', modeler, job_external_id: 'another-job' });
  const wrong = await ended(emulator, wrongJob.uuid, 'cancel of another job');
  assert.equal(wrong.response.error, 'refused_by_state');
  const busyStart = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': file.uri });
  const busy = await ended(emulator, busyStart.uuid, 'a start on a busy printer');
  assert.equal(busy.response.error, 'refused_by_state');
  assert.match(String(busy.response.message), /is running "lattice"/);

  assert.deepEqual(sim.commandsReceived, [], 'nothing reached the host');
  assert.equal(live()?.snapshot.state, 'printing');
});
