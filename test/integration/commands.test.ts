import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { publishCommand, streamsFor } from '../../src/cloud-emulator/routes-commands.ts';
import { BambuSimulator } from '../../src/collectors/bambu/simulator/bambu-simulator.ts';
import type { Agent } from '../../src/core/agent.ts';
import { bambuMachine } from '../helpers/bambu-machine.ts';
import { commandEnded, leaveProcessing } from '../helpers/commands.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

/** A Bambu printer run by a real agent against the emulator; `allow` is the machine's allow-list. */
async function setup(
  t: TestContext,
  options: { allow?: string[]; dataDir?: string; eventsIdleTimeoutMs?: number; commandPollS?: number } = {},
) {
  const sim = await BambuSimulator.start({ speed: 20 });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['bambu-1']);
  const base = testConfig(options.dataDir ?? join(tempDir(t), 'data'), emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: options.commandPollS ?? 1 },
  });
  const config = {
    ...base,
    cloud: {
      ...base.cloud,
      ...(options.eventsIdleTimeoutMs ? { events_idle_timeout_ms: options.eventsIdleTimeoutMs } : {}),
    },
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'bambu',
      ...bambuMachine(t, sim),
      poll_interval: 0.2,
      timeout: 2,
      ...(options.allow ? { commands: { allow: options.allow } } : {}),
    })),
  } as typeof base;
  const agent = await startAgentWithCollectors(t, config);
  const modeler = modelers['bambu-1']!;
  const live = () => agent.machines()[0]!.live;
  await waitFor(() => live()?.snapshot.state === 'idle', 15_000, 'the printer idle');
  await waitFor(() => streamsFor(emulator.state).size > 0, 15_000, 'the events stream connected');
  return { sim, emulator, agent, modeler, live };
}

const ended = commandEnded;

test('pause, resume and cancel reach the Bambu printer once each, by the stream and by the poll, reported processing then complete', async (t) => {
  const { sim, emulator, modeler, live, agent } = await setup(t);
  sim.startJob('bracket', 600);
  await waitFor(() => live()?.snapshot.state === 'printing', 15_000, 'printing');

  // Pushed on the stream; the poll lists it too while it is new: one command, run once.
  const pause = emulator.sendCommand({ type: 'pause_job', modeler });
  const paused = await ended(emulator, pause.uuid, 'pause to end');
  assert.equal(paused.status, 'complete', JSON.stringify(paused.response));
  assert.deepEqual(paused.reports, ['processing', 'complete']);
  assert.equal(paused.response.command, 'pause');
  await waitFor(() => live()?.snapshot.state === 'paused', 5000, 'paused on the printer');

  // Only listed, never pushed: the poll finds it.
  const resume = emulator.sendCommand({ type: 'resume_job', modeler }, { push: false });
  assert.equal((await ended(emulator, resume.uuid, 'resume to end')).status, 'complete');
  await waitFor(() => live()?.snapshot.state === 'printing', 5000, 'printing again');

  // The same command delivered again (a redelivery with its old payload) is not run again.
  publishCommand(emulator.state, { ...pause, status: 'new' });
  const cancel = emulator.sendCommand({ type: 'cancel_job', modeler });
  assert.equal((await ended(emulator, cancel.uuid, 'cancel to end')).status, 'complete');
  assert.deepEqual(
    sim.commandsReceived.map((c) => c.command),
    ['pause', 'resume', 'stop'],
    'each command reached the printer exactly once',
  );
  await waitFor(
    () => agent.store.commands.recent({ limit: 10 }).every((c) => c.reported === 'complete'),
    5000,
    'every end acknowledged',
  );
  assert.deepEqual(
    agent.store.commands.recent({ limit: 10 }).map((c) => [c.type, c.state, c.reported]),
    [
      ['cancel_job', 'complete', 'complete'],
      ['resume_job', 'complete', 'complete'],
      ['pause_job', 'complete', 'complete'],
    ],
  );
  const via = agent.store.commands.recent({ limit: 10 }).map((c) => c.via);
  assert.equal(via[1], 'poll', 'the resume was never pushed: the poll found it');
  assert.equal(via[2], 'stream', 'the pause came on the stream');
  // The audit goes to support too (stored, uncompressed, in the diagnostics zip).
  const zip = agent.diagnostics();
  assert.ok(zip.includes(Buffer.from('commands.json')));
  assert.ok(zip.includes(Buffer.from('"type": "cancel_job"')), 'the audit is in the diagnostics zip');
});

test('a command the machine cannot, may not or need not run never reaches it, and ends as error saying why', async (t) => {
  const { sim, emulator, modeler } = await setup(t);
  // Idle: nothing to pause. The machine is not touched.
  const pause = emulator.sendCommand({ type: 'pause_job', modeler });
  const refused = await ended(emulator, pause.uuid, 'the refused pause');
  assert.equal(refused.status, 'error');
  assert.equal(refused.response.error, 'refused_by_state');
  assert.match(String(refused.response.message), /IDLE: there is no job to pause/);
  assert.deepEqual(refused.reports, ['processing', 'error'], 'processing is always the first report');

  // start_job is not in the default allow-list.
  const start = emulator.sendCommand({ type: 'start_job', modeler, printing_preset: 'PLA' });
  const notAllowed = await ended(emulator, start.uuid, 'the start_job refusal');
  assert.equal(notAllowed.status, 'error');
  assert.equal(notAllowed.response.error, 'not_allowed');
  assert.match(String(notAllowed.response.message), /bambu-1.*machines\[\]\.commands\.allow/);

  // A command for a machine another workstation runs is left alone.
  const other = emulator.state.addModeler({ name: 'elsewhere' }).uri;
  const foreign = emulator.sendCommand({ type: 'pause_job', modeler: other });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(emulator.state.commands.get(foreign.uuid)!.status, 'new');
  assert.deepEqual(sim.commandsReceived, []);
});

test('check_configuration reports what the connection test found', async (t) => {
  const { sim, emulator, modeler } = await setup(t);
  const check = emulator.sendCommand({ type: 'check_configuration', modeler });
  const result = await ended(emulator, check.uuid, 'the check');
  assert.equal(result.status, 'complete', JSON.stringify(result.response));
  assert.equal(result.response.reachable, true);
  assert.equal(result.response.authenticated, true);
  assert.equal(result.response.serial_number, sim.serial);
  assert.equal(result.response.firmware, '01.08.02.00');
});

test('after a restart, a command already run and delivered again is not run again', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const first = await setup(t, { dataDir });
  first.sim.startJob('housing', 600);
  await waitFor(() => first.live()?.snapshot.state === 'printing', 15_000, 'printing');
  const pause = first.emulator.sendCommand({ type: 'pause_job', modeler: first.modeler });
  assert.equal((await ended(first.emulator, pause.uuid, 'pause')).status, 'complete');
  await first.agent.stop();

  // Another process, same store: the old command comes again on the stream and in the list.
  const agent: Agent = await startAgentWithCollectors(t, first.agent.config);
  await waitFor(() => agent.machines()[0]?.live?.snapshot.state === 'paused', 15_000, 'paused');
  const stale = { ...pause, status: 'new' as const };
  first.emulator.state.commands.set(pause.uuid, stale);
  publishCommand(first.emulator.state, stale);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.deepEqual(
    first.sim.commandsReceived.map((c) => c.command),
    ['pause'],
  );
});

test('commands back to back, each right after the last one ended, are checked against the confirmed state', async (t) => {
  const { sim, emulator, modeler, live } = await setup(t);
  sim.startJob('plate', 600);
  await waitFor(() => live()?.snapshot.state === 'printing', 15_000, 'printing');
  for (let i = 0; i < 6; i++) {
    const type = sim.gcode === 'PAUSE' ? 'resume_job' : 'pause_job';
    const command = emulator.sendCommand({ type, modeler });
    const result = await ended(emulator, command.uuid, `command ${i}`);
    assert.equal(result.status, 'complete', `${type}: ${JSON.stringify(result.response)}`);
  }
  assert.equal(sim.commandsReceived.length, 6);
});

test('commands a dead agent left running are never run again: proven by the machine’s state, or said interrupted', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const first = await setup(t, { dataDir });
  first.sim.startJob('housing', 600);
  await waitFor(() => first.sim.gcode === 'RUNNING', 15_000, 'printing (heated)');
  // As a process killed mid-command leaves them: processing acknowledged, never finished.
  const leave = async (type: string, acknowledged = true) => {
    const cloud = first.emulator.sendCommand({ type, modeler: first.modeler }, { push: false });
    await leaveProcessing(first.agent.store, cloud, 'bambu-1', { acknowledged });
    return cloud;
  };
  const pause = await leave('pause_job'); // never reached the printer: it still prints
  const resume = await leave('resume_job'); // the printer prints: what a resume would have done
  // Killed before the cloud acknowledged processing: the printer cannot have seen it, and the
  // printer's state (printing, as after a resume) proves nothing about it.
  const unannounced = await leave('resume_job', false);
  await first.agent.stop();

  const agent = await startAgentWithCollectors(t, first.agent.config);
  const unknown = await ended(first.emulator, pause.uuid, 'the interrupted pause');
  assert.equal(unknown.status, 'error');
  assert.equal(unknown.response.error, 'interrupted');
  assert.equal(unknown.response.message, 'interrupted, state unknown: check the machine');
  assert.deepEqual(unknown.reports, ['processing', 'error']);
  const proven = await ended(first.emulator, resume.uuid, 'the interrupted resume');
  assert.equal(proven.status, 'complete');
  assert.equal(proven.response.verified_after_restart, true);
  const notRun = await ended(first.emulator, unannounced.uuid, 'the unannounced resume');
  assert.equal(notRun.status, 'error');
  assert.equal(notRun.response.error, 'not_run');
  assert.deepEqual(notRun.reports, ['processing', 'error'], 'processing is always the first report');
  assert.equal(first.sim.commandsReceived.length, 0, 'nothing was sent again');
  assert.equal(agent.machines()[0]?.live?.snapshot.state, 'printing');
});

test('check_configuration on a machine that is down runs the connection test, and says it is unreachable', async (t) => {
  const { sim, emulator, modeler, live } = await setup(t);
  await sim.close();
  await waitFor(() => live()?.connected === false, 15_000, 'the printer seen down');
  const check = emulator.sendCommand({ type: 'check_configuration', modeler });
  const result = await ended(emulator, check.uuid, 'the check');
  assert.equal(result.status, 'error');
  assert.equal(result.response.reachable, false);
  assert.match(String(result.response.message), /refused|unreachable|closed|connect/i);
});

test('a processing report whose answer was lost: the command is not run, and the cloud is told so instead of showing processing for ever', async (t) => {
  const { sim, emulator, modeler, live } = await setup(t);
  sim.startJob('bracket', 6000);
  await waitFor(() => live()?.snapshot.state === 'printing', 15_000, 'printing');

  // The cloud takes `processing` but the answer never arrives: whether it was Echo's own report
  // cannot be told from another agent's, so the command must not reach the printer.
  await emulator.setFaults({ lose_command_replies: 1 });
  const pause = emulator.sendCommand({ type: 'pause_job', modeler });
  const lost = await ended(emulator, pause.uuid, 'the pause whose answer was lost');
  assert.equal(lost.status, 'error', JSON.stringify(lost.response));
  assert.equal(lost.response.error, 'not_run');
  assert.match(String(lost.response.message), /answer to "processing" was lost/);
  assert.deepEqual(lost.reports, ['processing', 'error']);
  assert.equal(sim.commandsReceived.length, 0, 'the printer never saw it');
  assert.equal(live()?.snapshot.state, 'printing');

  // The next one, answered, runs as usual.
  const again = emulator.sendCommand({ type: 'pause_job', modeler });
  assert.equal((await ended(emulator, again.uuid, 'the pause sent again')).status, 'complete');
  assert.deepEqual(
    sim.commandsReceived.map((c) => c.command),
    ['pause'],
  );
});

test('a dropped events stream is opened again, and what was sent meanwhile is found by the poll; a silent one is reopened', async (t) => {
  const { emulator, modeler, agent } = await setup(t, { eventsIdleTimeoutMs: 10_000, commandPollS: 3600 });
  const opened = new Set<object>();
  const watchStreams = () => {
    for (const stream of streamsFor(emulator.state)) opened.add(stream);
  };
  watchStreams();
  // The cloud sends nothing after ": connected": the agent takes the silence as a dead
  // connection, and opens the stream again (each time with a poll).
  await waitFor(
    () => {
      watchStreams();
      return opened.size >= 2;
    },
    40_000,
    'the silent stream opened again',
  );

  // Dropped by the cloud: a command sent meanwhile, never pushed, is found by the poll that the
  // reconnection runs (the periodic poll is an hour away here).
  for (const stream of streamsFor(emulator.state)) stream.destroy();
  const check = emulator.sendCommand({ type: 'check_configuration', modeler }, { push: false });
  assert.equal(
    (await ended(emulator, check.uuid, 'the check sent while the stream was down')).status,
    'complete',
  );
  const before = opened.size;
  await waitFor(
    () => {
      watchStreams();
      return opened.size > before;
    },
    30_000,
    'the stream opened again after the drop',
  );
  assert.equal(agent.store.commands.recent({ limit: 1 })[0]?.via, 'poll');
});
