import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  startAgentWithCollectors,
  startEmulator,
  startMachine,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import type { CloudEmulator } from '../../cloud-emulator/server.ts';
import { LogFolderSimulator, type SimulatedFormat } from './simulator/log-folder-simulator.ts';

/** The text of every capture of `type` the cloud holds, in the order Echo read it. */
function cloudText(emulator: CloudEmulator, type: string): string {
  return [...emulator.state.captures.values()]
    .filter((c) => c.capture_type_name === type && c.content !== undefined)
    .sort((a, b) => {
      const fa = String(a.meta.file);
      const fb = String(b.meta.file);
      return Number(a.meta.offset_start) - Number(b.meta.offset_start) || fa.localeCompare(fb);
    })
    .map((c) => c.content!.toString())
    .join('');
}

function cloudLines(emulator: CloudEmulator, type: string): string[] {
  return [...emulator.state.captures.values()]
    .filter((c) => c.capture_type_name === type && c.content !== undefined)
    .flatMap((c) => c.content!.toString().split('\r\n'))
    .filter((l) => l !== '');
}

async function setup(
  t: import('node:test').TestContext,
  format: SimulatedFormat,
  extra: Record<string, unknown> = {},
) {
  const sim = new LogFolderSimulator(join(tempDir(t), 'share', 'logs'), format);
  const machine = await startMachine(t, {
    collector: 'log-files',
    connection: { format, folder: sim.folder, start_at: 'beginning', ...extra },
    poll_interval: 0.1,
  });
  return { sim, ...machine };
}

test('an Arcam build from its log: printing with layer progress, idle when done; raw text in the cloud, warnings in /logs/', async (t) => {
  const { sim, emulator, live } = await setup(t, 'arcam');
  sim.line('Info', 'EBM Control 5.2.52 started');
  await waitFor(() => live().connected, 10_000, 'connected');
  sim.startBuild('Q20-0412', 100);
  for (let n = 1; n <= 40; n++) sim.layer(n, 100);
  await waitFor(() => live().snapshot.job?.layer === 40, 10_000, 'layer 40');
  assert.equal(live().snapshot.state, 'printing');
  assert.equal(live().snapshot.job?.name, 'Q20-0412');
  assert.equal(live().snapshot.job?.progress, 40);
  sim.line('Warning', 'Vacuum 2.1e-3 mbar above limit');
  for (let n = 41; n <= 100; n++) sim.layer(n, 100);
  sim.finishBuild('Q20-0412');
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle after the build');

  const expected = `${sim.lines.join('\r\n')}\r\n`;
  await waitFor(
    () => cloudText(emulator, 'arcam.job.log') === expected,
    15_000,
    'every line in the cloud once',
  );
  await waitFor(
    () =>
      emulator.state.logBatches.some((b) =>
        b.logs.some(
          (l) => (l as { message: string; level: string }).message === 'Vacuum 2.1e-3 mbar above limit',
        ),
      ),
    10_000,
    'the warning as a machine log',
  );
  const forwarded = emulator.state.logBatches.flatMap((b) => b.logs as Array<{ message: string }>);
  assert.ok(!forwarded.some((l) => l.message.startsWith('Layer')), 'INFO lines stay in the capture only');
});

test('rotation by rename and by copytruncate, and a half-written line: every line exactly once, in order', async (t) => {
  const { sim, emulator, live } = await setup(t, 'projet660');
  await waitFor(() => live().connected, 10_000, 'connected');
  for (let i = 0; i < 50; i++) sim.line('Info', `before rotation ${i}`);
  await waitFor(() => cloudLines(emulator, 'projet660.modeler.log').length === 50, 10_000, 'first 50');
  for (let i = 0; i < 20; i++) sim.line('Info', `just before rotation ${i}`);
  sim.rotate();
  for (let i = 0; i < 30; i++) sim.line('Info', `after rotation ${i}`);
  const finish = sim.partial('Error', 'Binder low');
  await waitFor(() => cloudLines(emulator, 'projet660.modeler.log').length === 100, 10_000, 'rotated lines');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(cloudLines(emulator, 'projet660.modeler.log').length, 100, 'the half line waits for its end');
  finish();
  await waitFor(
    () => cloudLines(emulator, 'projet660.modeler.log').length === 101,
    10_000,
    'the completed line',
  );
  sim.copyTruncate();
  for (let i = 0; i < 10; i++) sim.line('Info', `after truncate ${i}`);
  await waitFor(
    () => cloudLines(emulator, 'projet660.modeler.log').length === 111,
    10_000,
    'after copytruncate',
  );

  const sent = cloudLines(emulator, 'projet660.modeler.log');
  assert.deepEqual([...sent].sort(), [...sim.lines].sort(), 'each line exactly once');
  assert.equal(live().snapshot.state, 'unknown', 'no build marker seen: the state is not guessed');
});

test('the share goes away: offline; back: catches up what was written meanwhile', async (t) => {
  const { sim, emulator, live } = await setup(t, 'connex');
  sim.line('Info', 'Objet Studio server ready');
  await waitFor(() => live().connected, 10_000, 'connected');
  sim.unplug();
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline');
  assert.match(live().lastError!, /cannot be read \(ENOENT\); check that the share is mounted/);
  sim.replug();
  sim.line('Error', 'Head 3 temperature out of range');
  const back = Date.now();
  await waitFor(() => live().connected, 30_000, 'back');
  assert.ok(Date.now() - back < 30_000);
  await waitFor(() => cloudLines(emulator, 'connex.modeler.log').length === 2, 10_000, 'caught up');
});

test('Renishaw: finished builds become historic captures; a restart resumes at the saved offsets, nothing twice', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['renam']);
  const dir = tempDir(t);
  const sim = new LogFolderSimulator(join(dir, 'logs'), 'renishaw');
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'log-files',
      connection: { format: 'renishaw', folder: sim.folder, start_at: 'beginning' },
      poll_interval: 0.1,
      timeout: 2,
    })),
  };
  sim.startBuild('impeller-07', 3);
  for (let n = 1; n <= 3; n++) sim.layer(n, 3);
  sim.finishBuild('impeller-07');
  const first = await startAgentWithCollectors(t, config);
  await waitFor(() => cloudLines(emulator, 'renishaw.modeler.log').length === 5, 10_000, 'first lines');
  await waitFor(() => first.store.stats.captureBacklog() === 0, 10_000, 'sent');
  await first.stop();

  sim.startBuild('bracket-12', 2);
  sim.layer(1, 2);
  sim.failBuild('Laser 2 interlock open');
  const second = await startAgentWithCollectors(t, config);
  await waitFor(
    () => second.machines()[0]!.live!.snapshot.state === 'error',
    10_000,
    'error after the failed build',
  );
  await waitFor(() => cloudLines(emulator, 'renishaw.modeler.log').length === 8, 10_000, 'the rest');
  assert.deepEqual([...cloudLines(emulator, 'renishaw.modeler.log')].sort(), [...sim.lines].sort());

  const builds = () =>
    [...emulator.state.captures.values()]
      .filter((c) => c.capture_type_name === 'renishaw.modeler.historic' && c.content !== undefined)
      .map((c) => JSON.parse(c.content!.toString()) as { build: string; result: string; layers: number });
  await waitFor(() => builds().length === 2, 10_000, 'two builds');
  assert.deepEqual(
    builds()
      .map((b) => [b.build, b.result, b.layers])
      .sort(),
    [
      ['bracket-12', 'failed', 2],
      ['impeller-07', 'completed', 3],
    ],
  );
  assert.deepEqual(second.machines()[0]!.live!.snapshot.errors, ['Build failed: Laser 2 interlock open']);
  // The machine screen's job history: each build once, with how the log says it ended.
  assert.deepEqual(
    second
      .machineJobs(second.machines()[0]!.name, 10)
      .map((j) => [j.name, j.outcome])
      .sort(),
    [
      ['bracket-12', 'failed'],
      ['impeller-07', 'finished'],
    ],
  );
});

test('EOS logs in Latin-1 are read as such; a folder without matching files fails the connection test', async (t) => {
  const dir = tempDir(t);
  const sim = new LogFolderSimulator(join(dir, 'eos'), 'eos', 'machine.log', 'latin1');
  const { emulator, agent, live, config } = await startMachine(t, {
    collector: 'log-files',
    connection: { format: 'eos', folder: sim.folder, start_at: 'beginning' },
    poll_interval: 0.1,
  });
  sim.line('Warning', 'Überwachung: Sauerstoff 0,3 % über Grenzwert');
  await waitFor(() => live().connected, 10_000, 'connected');
  await waitFor(
    () => cloudLines(emulator, 'eos.modeler.log').some((l) => l.includes('Überwachung')),
    10_000,
    'umlauts intact',
  );

  const empty = await agent.testMachine({
    ...config.machines[0]!,
    connection: { format: 'eos', folder: dir },
  });
  assert.equal(empty.ok, false);
  assert.match(empty.message, /no file matching "\*\.log"/);
  const good = await agent.testMachine(config.machines[0]!);
  assert.equal(good.ok, true, good.message);
});
