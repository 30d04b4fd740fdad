import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import type { CloudEmulator } from '../../cloud-emulator/server.ts';
import { type SimulatorOptions, UltimakerSimulator } from './simulator/ultimaker-simulator.ts';

/** A simulator and an agent on a fixed data dir, so that the agent can be stopped and started again. */
async function setup(t: import('node:test').TestContext, options: SimulatorOptions = {}) {
  const sim = await UltimakerSimulator.start({ speed: 30, ...options });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['um-1']);
  const base = testConfig(join(tempDir(t), 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 0.2,
      timeout: 2,
      history: { frequency: 'daily' as const, interval: 1, page_size: 20 },
    })),
  };
  return { sim, emulator, start: () => startAgentWithCollectors(t, config) };
}

/** uuid → how many history captures of it reached the cloud. */
function historyCaptures(emulator: CloudEmulator): Map<string, number> {
  const seen = new Map<string, number>();
  for (const c of emulator.state.captures.values()) {
    if (c.meta.source !== 'ultimaker-history-print-jobs') continue;
    assert.equal(c.capture_type_name, 'ultimaker.modeler.log');
    const uuid = String(c.meta.uuid);
    // The content is the printer's record as it sent it.
    if (c.content) assert.equal((JSON.parse(c.content.toString()) as { uuid: string }).uuid, uuid);
    seen.set(uuid, (seen.get(uuid) ?? 0) + 1);
  }
  return seen;
}

test('jobs that ran while Echo was down reach the cloud once each, across restarts', async (t) => {
  const { sim, emulator, start } = await setup(t);
  // The printer runs 1-second jobs back to back the whole time.
  let n = 0;
  const loop = setInterval(() => {
    if (!sim.busy) sim.startJob(`part-${++n}`, 30);
  }, 50);
  t.after(() => clearInterval(loop));

  for (let round = 0; round < 4; round++) {
    const agent = await start();
    await waitFor(() => agent.machines()[0]?.live?.snapshot.state !== undefined, 10_000, 'polling');
    await new Promise((r) => setTimeout(r, 1500));
    await agent.stop();
    // Echo is down: jobs go on.
    await new Promise((r) => setTimeout(r, 2500));
  }
  clearInterval(loop);
  await waitFor(() => !sim.busy, 10_000, 'the last job ended');
  const finished = sim.finishedJobs.map((j) => j.uuid);
  assert.ok(finished.length >= 10, `${finished.length} jobs ran`);

  const agent = await start();
  await waitFor(
    () => {
      const seen = historyCaptures(emulator);
      return finished.every((uuid) => seen.has(uuid)) && agent.store.stats.captureBacklog() === 0;
    },
    30_000,
    'every finished job in the cloud',
  );
  const seen = historyCaptures(emulator);
  assert.deepEqual([...seen.keys()].sort(), [...finished].sort(), 'the jobs the printer lists, no other');
  assert.ok(
    [...seen.values()].every((count) => count === 1),
    'each once',
  );
  // The machine screen's job history has them too, with their outcome.
  const names = new Set(agent.machineJobs(agent.machines()[0]!.name, 1000).map((j) => j.name));
  assert.ok(sim.finishedJobs.every((j) => names.has(j.name)));
});

test('history/events listed oldest first: new events still become log lines past the first page', async (t) => {
  const { sim, emulator, start } = await setup(t, { eventsOrder: 'oldest-first' });
  for (let i = 0; i < 120; i++) sim.history.event(0x30000, `old event ${i}`);
  const agent = await start();
  await waitFor(() => agent.machines()[0]?.live?.snapshot.state === 'idle', 10_000, 'idle');
  const logged = () =>
    emulator.state.logBatches.flatMap((b) => b.logs.map((l) => (l as { message: string }).message));
  await waitFor(() => logged().includes('old event 119'), 15_000, 'the backlog of events');
  sim.startJob('late-part', 30);
  await waitFor(() => logged().includes('Print job late-part finished'), 15_000, 'the new event');
  const messages = logged();
  assert.equal(messages.filter((m) => m === 'old event 0').length, 1, 'each event once');
  assert.equal(messages.filter((m) => m === 'Print job late-part finished').length, 1);
});

test('history/events listed newest first: the same', async (t) => {
  const { sim, emulator, start } = await setup(t, { eventsOrder: 'newest-first' });
  for (let i = 0; i < 120; i++) sim.history.event(0x30000, `old event ${i}`);
  const agent = await start();
  await waitFor(() => agent.machines()[0]?.live?.snapshot.state === 'idle', 10_000, 'idle');
  const logged = () =>
    emulator.state.logBatches.flatMap((b) => b.logs.map((l) => (l as { message: string }).message));
  await waitFor(() => logged().includes('old event 0'), 15_000, 'the backlog of events');
  sim.startJob('late-part', 30);
  await waitFor(() => logged().includes('Print job late-part finished'), 15_000, 'the new event');
  assert.equal(logged().filter((m) => m === 'old event 119').length, 1, 'each event once');
});

test('a status Echo does not know is unknown, not an error; wait_cleanup ends the job', async (t) => {
  const { sim, start } = await setup(t, { waitForCleanup: true });
  const agent = await start();
  const live = () => agent.machines()[0]!.live!;
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.setStatus('wait_for_peripherals');
  await waitFor(() => live().snapshot.state === 'unknown', 10_000, 'unknown');
  assert.equal(live().lastError, undefined);
  sim.setStatus('idle');
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle again');

  sim.startJob('plate', 30);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  await waitFor(() => live().snapshot.job?.result === 'finished', 10_000, 'ended, waiting for cleanup');
  assert.equal(live().snapshot.state, 'idle');
  assert.equal(live().snapshot.job?.name, 'plate');
  sim.clearBuildPlate();
  await waitFor(() => live().snapshot.job === undefined, 10_000, 'plate cleared');
});
