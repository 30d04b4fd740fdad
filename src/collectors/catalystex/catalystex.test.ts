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
import { CatalystexSimulator } from './simulator/catalystex-simulator.ts';
import { parseStatusFile } from './status-file.ts';

const STATUS = 'catex.modeler.status';
const JOBS = 'catex.modeler.jobs';

function contents(emulator: CloudEmulator, type: string): string[] {
  return [...emulator.state.captures.values()]
    .filter((c) => c.capture_type_name === type && c.content !== undefined)
    .map((c) => c.content!.toString('latin1'));
}

test('a queue of jobs over the status port: printing with layers, paused, finished, cancelled; status.sts in the cloud', async (t) => {
  const sim = await CatalystexSimulator.start();
  t.after(() => sim.close());
  const { emulator, live, modeler } = await startMachine(t, {
    collector: 'catalystex',
    connection: { host: sim.host, port: sim.port },
    poll_interval: 0.2,
    timeout: 2,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  assert.equal(live().snapshot.serialNumber, 'UPSE-P-1042');
  assert.equal(live().snapshot.firmware, '12.4.3152.0');

  sim.submit('bracket-v3.cmb', { layers: 400, durationMs: 2500 });
  const second = sim.submit('gear-12t.cmb', { layers: 200, durationMs: 60_000 });
  await waitFor(() => (live().snapshot.job?.layer ?? 0) > 0, 10_000, 'layers counting');
  assert.equal(live().snapshot.state, 'printing');
  assert.equal(live().snapshot.job?.name, 'bracket-v3.cmb');
  assert.equal(live().snapshot.job?.layers, 400);
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'queue_length')?.value, 1);
  assert.equal(live().snapshot.gauges.find((g) => g.name === 'model_head_temperature')?.unit, '°C');
  sim.pause();
  await waitFor(() => live().snapshot.state === 'paused', 5000, 'paused');
  sim.resume();
  await waitFor(() => live().snapshot.job?.id === String(second), 15_000, 'the next job from the queue');
  assert.equal(live().snapshot.state, 'printing');
  sim.cancel();
  await waitFor(() => live().snapshot.job?.result === 'cancelled', 5000, 'cancelled, still shown');
  assert.equal(live().snapshot.state, 'idle');
  await waitFor(() => modeler().connected === true, 10_000, 'the cloud hears connected');

  sim.fail('Model material out');
  await waitFor(() => live().snapshot.state === 'error', 5000, 'error');
  assert.deepEqual(live().snapshot.errors, ['Error: Model material out']);
  sim.clearError();
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'cleared');

  // The raw file reached the cloud, one capture per significant change.
  await waitFor(
    () =>
      ['Building', 'Paused', 'Error'].every((word) =>
        contents(emulator, STATUS).some((c) => parseStatusFile(c).sections.general?.modelerStatus === word),
      ),
    15_000,
    'status.sts captures',
  );
  const captures = [...emulator.state.captures.values()].filter((c) => c.capture_type_name === STATUS);
  assert.ok(captures.length < 40, `deduplicated (${captures.length} captures)`);
});

test('awkward printers: an unknown status, missing sections, a file cut off mid-transfer, an oversized one, silence, power off', async (t) => {
  const sim = await CatalystexSimulator.start();
  t.after(() => sim.close());
  const { live, agent, config } = await startMachine(t, {
    collector: 'catalystex',
    connection: { host: sim.host, port: sim.port },
    poll_interval: 0.2,
    timeout: 1,
    max_message_mb: 1,
  });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');

  sim.status = 'Frobnicating';
  await waitFor(() => live().snapshot.state === 'unknown', 5000, 'an unknown status is unknown');
  sim.status = 'Idle';

  // No general section: the state from the mariner section, no temperatures, no firmware guess.
  sim.omit.add('general');
  await waitFor(() => live().snapshot.gauges.length === 1, 5000, 'only the queue length left');
  assert.equal(live().snapshot.state, 'idle');
  sim.omit.add('mariner');
  await waitFor(() => live().snapshot.state === 'unknown', 5000, 'no status word at all');
  sim.omit.add('currentJob');
  sim.omit.add('previousJob');
  sim.omit.add('queue');
  sim.omit.add('cassette');
  await waitFor(() => live().snapshot.state === 'error', 5000, 'an empty file is a protocol error');
  assert.match(live().lastError!, /holds no machineStatus section/);
  sim.omit.clear();
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back');

  sim.fault = 'truncate';
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'a dropped connection is offline');
  assert.match(
    live().lastError!,
    /closed the connection while sending status\.sts \(\d+ of \d+ bytes arrived\)/,
  );
  sim.fault = 'oversize';
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'an oversized file is refused');
  assert.match(live().lastError!, /more than the 1048576 accepted \(machines\[\]\.max_message_mb\)/);
  sim.fault = 'garbage';
  await waitFor(() => /expected SendFile/.test(live().lastError ?? ''), 10_000, 'garbage named');
  sim.fault = 'silence';
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'silence is offline');
  sim.fault = null;
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back after the faults');

  await sim.down();
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'switched off');
  await sim.up();
  const back = Date.now();
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'switched on again');
  assert.ok(Date.now() - back < 30_000);

  const tested = await agent.testMachine(config.machines[0]!);
  assert.equal(tested.ok, true, tested.message);
  assert.match(
    tested.message,
    /uPrint SE Plus \(serial UPSE-P-1042, controller 12\.4\.3152\.0\) answered: Idle/,
  );
  const refused = await agent.testMachine({
    ...config.machines[0]!,
    connection: { host: '127.0.0.1', port: 1 },
  });
  assert.equal(refused.ok, false);
  assert.match(refused.message, /127\.0\.0\.1:1: ECONNREFUSED/);
});

test('job history: each previous job once as catex.modeler.jobs, after the watermark, across an agent restart', async (t) => {
  const sim = await CatalystexSimulator.start();
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['uprint']);
  const dir = tempDir(t);
  const base = testConfig(join(dir, 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'catalystex',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 0.2,
      timeout: 2,
      history: { frequency: 'hourly' as const, interval: 1, page_size: 100 },
    })),
  };
  const jobIds = () => contents(emulator, JOBS).map((c) => parseStatusFile(c).sections.previousJob?.jobId);
  const modeler = () => [...emulator.state.modelers.values()][0]!;

  const first = await startAgentWithCollectors(t, config);
  const a = sim.submit('a.cmb', { durationMs: 600 });
  const b = sim.submit('b.cmb', { durationMs: 600 });
  await waitFor(() => jobIds().length === 2, 20_000, 'two jobs in the history');
  assert.deepEqual(jobIds(), [String(a), String(b)]);
  await first.stop();

  // While Echo is away one job ends (the printer keeps it as its previous job); Echo sees it.
  const c = sim.submit('c.cmb', { durationMs: 300 });
  await waitFor(() => sim.previous?.id === c, 10_000, 'c built');
  const second = await startAgentWithCollectors(t, config);
  const d = sim.submit('d.cmb', { durationMs: 600 });
  await waitFor(() => jobIds().includes(String(d)), 20_000, 'the next job');
  // Give the runner a few more rounds: nothing is collected twice.
  await new Promise((r) => setTimeout(r, 2500));
  assert.deepEqual(jobIds(), [String(a), String(b), String(c), String(d)]);

  const watermark = second.machines()[0]!.history!.watermark!;
  assert.match(watermark, new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z#${String(d).padStart(12, '0')}$`));
  await waitFor(() => modeler().watermark === watermark, 20_000, 'the cloud watermark');

  const name = second.machines()[0]!.name;
  const named = (job: string) => second.machineJobs(name, 50).filter((j) => j.name === job);
  await waitFor(() => named('d.cmb')[0]?.outcome === 'finished', 10_000, 'd in the job history');
  for (const job of ['c.cmb', 'd.cmb']) assert.equal(named(job).length, 1, `${job}: one row`);
  const jobs = named('d.cmb');
  assert.equal(jobs[0]?.outcome, 'finished');
});
