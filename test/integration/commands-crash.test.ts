import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BambuSimulator } from '../../src/collectors/bambu/simulator/bambu-simulator.ts';
import { bambuMachine } from '../helpers/bambu-machine.ts';
import { startEmulator, tempDir, waitFor } from '../helpers/harness.ts';
import { RealAgent } from '../hostile/real-agent.ts';

const ITERATIONS = 20;

test(`SIGKILL at random moments while a remote command runs, ${ITERATIONS} times: no command ever reaches the machine twice`, async (t) => {
  const sim = await BambuSimulator.start({ speed: 1 });
  t.after(() => sim.close());
  // The printer takes a while to act and answer: a kill often lands between the two.
  sim.commandReplyDelayMs = 300;
  sim.startJob('long-run', 1_000_000);
  const { emulator, modelers } = await startEmulator(t, ['bambu-1']);
  const dataDir = join(tempDir(t), 'data');
  const bambu = bambuMachine(t, sim);
  const start = () =>
    RealAgent.start(t, {
      cloudUrl: emulator.url,
      modelers,
      dataDir,
      config: { intervals: { command_poll: 1 } },
      machines: [
        {
          name: 'bambu-1',
          collector: 'bambu',
          ...bambu,
          poll_interval: 0.2,
          timeout: 2,
        },
      ],
    });

  const outcomes: Record<string, number> = {};
  let agent = await start();
  for (let i = 0; i < ITERATIONS; i++) {
    await waitFor(
      async () =>
        ['printing', 'paused'].includes((await agent.machine('bambu-1')).live?.snapshot.state ?? ''),
      30_000,
      'the printer connected',
      { everyMs: 100 },
    );
    const before = sim.commandsReceived.length;
    // Chosen by the printer's own state: the agent's view may be a poll behind.
    const type = sim.gcode === 'PAUSE' ? 'resume_job' : 'pause_job';
    const command = emulator.sendCommand({ type, modeler: modelers['bambu-1']! });
    // Anywhere from before the command arrives to after the printer answered.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 700)));
    await agent.killNow();
    // The killed agent's address: the next one writes its own.
    rmSync(join(dataDir, 'api.json'), { force: true });
    agent = await start();
    await waitFor(
      () => ['complete', 'error'].includes(emulator.state.commands.get(command.uuid)!.status),
      30_000,
      `command ${i} to end after the restart`,
      { everyMs: 50 },
    );
    const { status, response } = emulator.state.commands.get(command.uuid)!;
    const reached = sim.commandsReceived.length - before;
    const reply = JSON.parse(response ?? '{}') as { error?: string; verified_after_restart?: boolean };
    const kind =
      status !== 'complete'
        ? reply.error
        : reply.verified_after_restart
          ? 'interrupted, proven by the printer'
          : 'complete';
    outcomes[`${kind}, reached the printer ${reached}×`] =
      (outcomes[`${kind}, reached the printer ${reached}×`] ?? 0) + 1;
    assert.ok(reached <= 1, `command ${i} (${type}) reached the printer ${reached} times`);
    if (status === 'complete') assert.equal(reached, 1, `command ${i} complete without reaching the printer`);
    // Killed before the cloud acknowledged `processing`: the printer was never touched.
    if (kind === 'not_run') assert.equal(reached, 0, `command ${i} not_run yet reached the printer`);
    const reports = emulator.state.commandReports.filter((r) => r.uuid === command.uuid).map((r) => r.status);
    assert.equal(reports[0], 'processing');
    assert.equal(reports.length, 2, `command ${i} reported ${reports.join(', ')}`);
  }
  t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
  await agent.stop();
  // Late duplicates would show here: every command reached the printer at most once in all.
  assert.ok(sim.commandsReceived.length <= ITERATIONS);
});
