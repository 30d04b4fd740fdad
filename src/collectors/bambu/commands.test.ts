import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { bambuMachine } from '../../../test/helpers/bambu-machine.ts';
import { commandEnded, startCommandMachine } from '../../../test/helpers/commands.ts';
import { waitFor } from '../../../test/helpers/harness.ts';
import { BambuSimulator } from './simulator/bambu-simulator.ts';

/** A Bambu printer run by a real agent, printing a job, with pause and cancel allowed. */
async function printing(t: TestContext) {
  const sim = await BambuSimulator.start({ speed: 1 });
  t.after(() => sim.close());
  const machine = await startCommandMachine(t, {
    collector: 'bambu',
    ...bambuMachine(t, sim),
    commands: { allow: ['pause_job', 'resume_job', 'cancel_job'] },
  });
  // Long enough that the job is still running when the commands arrive, on a loaded machine.
  sim.startJob('bracket', 3600);
  await waitFor(
    () => machine.live()?.snapshot.state === 'printing' && machine.live()?.snapshot.job?.id !== undefined,
    15_000,
    'printing, with its task id',
  );
  const taskId = machine.live()!.snapshot.job!.id!;
  return { sim, taskId, ...machine };
}

test('pause_job for another job than the printer’s (job_external_id) ends as error and sends the printer nothing', async (t) => {
  const { sim, emulator, modeler, live, taskId } = await printing(t);
  const other = `${taskId}0`;
  const pause = emulator.sendCommand({ type: 'pause_job', modeler, job_external_id: other });
  const result = await commandEnded(emulator, pause.uuid, 'pause of another job', 30_000);
  assert.equal(result.status, 'error', JSON.stringify(result.response));
  assert.equal(result.response.error, 'refused_by_state');
  assert.match(
    String(result.response.message),
    new RegExp(`running job ${taskId}, not ${other}: nothing was sent`),
  );
  assert.equal(sim.commandsReceived.length, 0, 'no command reached the printer');
  assert.notEqual(sim.gcode, 'PAUSE');
  assert.equal(live()?.snapshot.state, 'printing');
});

test('pause_job for the printer’s job (job_external_id is its task id) pauses it', async (t) => {
  const { sim, emulator, modeler, live, taskId } = await printing(t);
  const pause = emulator.sendCommand({ type: 'pause_job', modeler, job_external_id: taskId });
  const result = await commandEnded(emulator, pause.uuid, 'pause of the running job', 30_000);
  assert.equal(result.status, 'complete', JSON.stringify(result.response));
  assert.deepEqual(
    sim.commandsReceived.map((c) => c.command),
    ['pause'],
  );
  assert.equal(sim.gcode, 'PAUSE');
  await waitFor(() => live()?.snapshot.state === 'paused', 15_000, 'paused');
});
