import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import type { Agent } from '../../src/core/agent.ts';
import type { MachineConfig } from '../../src/shared/config/schema.ts';
import { commandEnded, leaveProcessing, startCommandMachine } from '../helpers/commands.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

/** An Ultimaker that takes start_job (confirmed at the workstation), by a real agent and the emulator. */
async function setup(
  t: TestContext,
  commands: Partial<MachineConfig['commands']> = {},
  dataDir?: string,
  limits: { scanWaitS?: number; commandTimeoutS?: number } = {},
) {
  const sim = await UltimakerSimulator.start({ speed: 10, autoApproveMs: 200 });
  t.after(() => sim.close());
  const machine = await startCommandMachine(t, {
    name: 's5',
    collector: 'ultimaker',
    connection: { host: sim.host, port: sim.port },
    commands: { confirm_start_job: true, confirm_timeout: 60, ...commands },
    ...(dataDir ? { dataDir } : {}),
    ...limits,
  });
  return { sim, ...machine };
}

const FILE = Buffer.from(';FLAVOR:UltiGCode\n'.repeat(20_000));

const ended = commandEnded;

function awaiting(agent: Agent) {
  return agent.status().commands?.awaiting ?? [];
}

test('a start_job waits for the operator; confirmed, its file is downloaded and printed; refused, nothing reaches the printer', async (t) => {
  const { sim, emulator, agent, modeler } = await setup(t);
  const file = emulator.addBuildFile({
    name: 'bracket.gcode',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });
  const start = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': file.uri });
  await waitFor(() => awaiting(agent).length === 1, 10_000, 'the command awaiting confirmation');
  assert.equal(emulator.state.commands.get(start.uuid)!.status, 'new', 'nothing said to the cloud yet');
  assert.equal(file.downloads, 0, 'nothing downloaded before the operator said yes');
  assert.equal(sim.commandsReceived.length, 0);

  const [waiting] = awaiting(agent);
  const confirmed = agent.answerCommand(waiting!.id, true);
  assert.ok(typeof confirmed === 'object' && confirmed.state === 'received');
  assert.equal(agent.answerCommand(waiting!.id, true), 'not_awaiting', 'a second answer is refused');
  const result = await ended(emulator, start.uuid);
  assert.equal(result.status, 'complete', JSON.stringify(result.response));
  const upload = sim.commandsReceived.find((c) => c.method === 'POST');
  assert.equal(upload?.file?.sha256, createHash('sha256').update(FILE).digest('hex'));
  assert.equal(file.downloads, 1);
  await waitFor(() => agent.machines()[0]?.live?.snapshot.state === 'printing', 10_000, 'printing it');

  // Refused at the workstation: ends as error, never downloaded, never sent.
  const second = emulator.addBuildFile({
    name: 'second.gcode',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });
  const refusedCommand = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': second.uri });
  await waitFor(() => awaiting(agent).length === 1, 10_000, 'the second awaiting');
  agent.answerCommand(awaiting(agent)[0]!.id, false);
  const refused = await ended(emulator, refusedCommand.uuid);
  assert.equal(refused.status, 'error');
  assert.equal(refused.response.error, 'refused_at_workstation');
  assert.equal(second.downloads, 0);
  assert.equal(sim.commandsReceived.filter((c) => c.method === 'POST').length, 1);
});

test('a start_job nobody confirms in time ends as error, and a quarantined file is never downloaded', async (t) => {
  const { sim, emulator, agent, modeler } = await setup(t, { confirm_timeout: 1 });
  const file = emulator.addBuildFile({
    name: 'late.gcode',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });
  const late = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': file.uri });
  const timedOut = await ended(emulator, late.uuid);
  assert.equal(timedOut.status, 'error');
  assert.equal(timedOut.response.error, 'not_confirmed');
  assert.equal(file.downloads, 0);

  const bad = emulator.addBuildFile({
    name: 'bad.gcode',
    content: FILE,
    virus_scan: 'quarantined',
    status: 'complete',
  });
  const quarantined = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': bad.uri });
  await waitFor(() => awaiting(agent).length === 1, 10_000, 'awaiting');
  agent.answerCommand(awaiting(agent)[0]!.id, true);
  const refused = await ended(emulator, quarantined.uuid);
  assert.equal(refused.status, 'error');
  assert.equal(refused.response.error, 'quarantined');
  assert.equal(bad.downloads, 0);
  assert.equal(sim.commandsReceived.length, 0);
});

test('an unattended cell (confirm_start_job false) starts the job at once', async (t) => {
  const { sim, emulator, modeler } = await setup(t, { confirm_start_job: false });
  const file = emulator.addBuildFile({
    name: 'night.gcode',
    content: FILE,
    virus_scan: 'passed',
    status: 'complete',
  });
  const start = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': file.uri });
  assert.equal((await ended(emulator, start.uuid)).status, 'complete');
  assert.equal(sim.commandsReceived.filter((c) => c.method === 'POST').length, 1);
});

test('a start_job’s wait for its file’s virus scan is bounded by commands.scan_wait, not by the time a command may take on its machine', async (t) => {
  const { sim, emulator, modeler } = await setup(t, { confirm_start_job: false }, undefined, {
    scanWaitS: 60,
    commandTimeoutS: 1,
  });
  const file = emulator.addBuildFile({
    name: 'scanned-late.gcode',
    content: FILE,
    virus_scan: 'unscanned',
    status: 'complete',
  });
  const start = emulator.sendCommand({ type: 'start_job', modeler, 'build-file': file.uri });
  // Scanned well after a pause would have timed out on the machine.
  await waitFor(() => emulator.state.commands.get(start.uuid)!.status === 'processing', 15_000, 'started');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(file.downloads, 0, 'not downloaded while unscanned');
  file.virus_scan = 'passed';
  const result = await ended(emulator, start.uuid, 'the start_job', 60_000);
  assert.equal(result.status, 'complete', JSON.stringify(result.response));
  assert.equal(file.downloads, 1);
  assert.equal(sim.commandsReceived.filter((c) => c.method === 'POST').length, 1);
});

test('a start_job waiting for its file’s virus scan on one machine does not hold a pause on another', async (t) => {
  const slow = await UltimakerSimulator.start({ speed: 10, autoApproveMs: 100, name: 'slow' });
  const busy = await UltimakerSimulator.start({ speed: 10, autoApproveMs: 100, name: 'busy' });
  t.after(() => Promise.all([slow.close(), busy.close()]));
  const { emulator, modelers } = await startEmulator(t, ['slow', 'busy']);
  const base = testConfig(join(tempDir(t), 'data'), emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 1 },
    commands: { scan_wait: 30 },
  });
  const sims: Record<string, UltimakerSimulator> = { slow, busy };
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sims[m.name]!.host, port: sims[m.name]!.port },
      poll_interval: 0.2,
      timeout: 2,
      commands: {
        allow: ['start_job', 'pause_job'] as const,
        confirm_start_job: false,
        confirm_timeout: 600,
      },
    })),
  } as typeof base;
  const agent = await startAgentWithCollectors(t, config);
  busy.startJob('long-part', 6000);
  await waitFor(
    () => agent.machines().find((m) => m.name === 'busy')?.live?.snapshot.state === 'printing',
    15_000,
    'busy printing',
  );
  const file = emulator.addBuildFile({
    name: 'scan-me.gcode',
    content: FILE,
    virus_scan: 'unscanned',
    status: 'complete',
  });
  const start = emulator.sendCommand({ type: 'start_job', modeler: modelers.slow!, 'build-file': file.uri });
  await waitFor(
    () => emulator.state.commands.get(start.uuid)!.status === 'processing',
    10_000,
    'the start waiting for its scan',
  );
  const pause = emulator.sendCommand({ type: 'pause_job', modeler: modelers.busy! });
  assert.equal((await ended(emulator, pause.uuid)).status, 'complete');
  assert.equal(
    emulator.state.commands.get(start.uuid)!.status,
    'processing',
    'the start still waits for its scan',
  );
  file.virus_scan = 'passed';
  assert.equal((await ended(emulator, start.uuid)).status, 'complete');
});

test('a start_job a dead agent left running is proven by the job on the printer, never started twice', async (t) => {
  const {
    sim,
    emulator,
    agent: first,
    modeler,
    config,
  } = await setup(t, { allow: ['start_job'], confirm_start_job: false }, join(tempDir(t), 'data'));
  // As a process killed after the upload leaves it: processing, its file's name kept.
  const file = emulator.addBuildFile({ name: 'proof.gcode', content: FILE });
  const cloud = emulator.sendCommand(
    { type: 'start_job', modeler: modeler, 'build-file': file.uri },
    { push: false },
  );
  const id = await leaveProcessing(first.store, cloud, 's5');
  first.store.commands.noteJobFile(id, 'proof.gcode');
  await first.stop();
  sim.startJob('proof', 600);

  await startAgentWithCollectors(t, config);
  const result = await ended(emulator, cloud.uuid);
  assert.equal(result.status, 'complete', JSON.stringify(result.response));
  assert.equal(result.response.verified_after_restart, true);
  assert.equal(sim.commandsReceived.length, 0, 'nothing uploaded or started again');
  assert.equal(file.downloads, 0);
});

test('a start_job with a machine_job_file (an operator’s test file, no scan state) is downloaded and printed', async (t) => {
  const { sim, emulator, modeler } = await setup(t, { confirm_start_job: false });
  const file = emulator.addMachineJobFile({ name: 'calibration-cube.gcode', content: FILE });
  const start = emulator.sendCommand({ type: 'start_job', modeler, machine_job_file: file.uri });
  const result = await ended(emulator, start.uuid);
  assert.equal(result.status, 'complete', JSON.stringify(result.response));
  assert.equal(file.downloads, 1);
  const upload = sim.commandsReceived.find((c) => c.method === 'POST');
  assert.equal(upload?.file?.sha256, createHash('sha256').update(FILE).digest('hex'));
});
