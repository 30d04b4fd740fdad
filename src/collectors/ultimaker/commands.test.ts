import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { commandEnded } from '../../../test/helpers/commands.ts';
import {
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import type { CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { CommandRefused } from '../sdk/command-refused.ts';
import { ResourceScope } from '../sdk/shared-resources.ts';
import { UltimakerCollector } from './collector.ts';
import { ultimakerConnection } from './config.ts';
import { type SimulatorOptions, UltimakerSimulator } from './simulator/ultimaker-simulator.ts';

/** An Ultimaker printer run by a real agent against the emulator. */
async function setup(t: TestContext, options: SimulatorOptions = {}) {
  const sim = await UltimakerSimulator.start({ speed: 5, ...options });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['um-1']);
  const dataDir = join(tempDir(t), 'data');
  const base = testConfig(dataDir, emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 1 },
  });
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 0.2,
      timeout: 2,
      commands: {
        ...m.commands,
        allow: ['pause_job', 'resume_job', 'cancel_job', 'start_job', 'check_configuration'],
      },
    })),
  } as typeof base;
  const agent = await startAgentWithCollectors(t, config);
  const modeler = modelers['um-1']!;
  const live = () => agent.machines()[0]!.live;
  await waitFor(() => live()?.snapshot.state === 'idle', 15_000, 'the printer idle');
  return { sim, emulator, agent, modeler, live, dataDir };
}

const ended = commandEnded;

/** Every file under `dir`, concatenated (the store, the config, the logs, but not the secrets). */
function everythingBut(dir: string, skip: (name: string) => boolean): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (skip(name)) continue;
    out += statSync(path).isDirectory() ? everythingBut(path, skip) : readFileSync(path, 'latin1');
  }
  return out;
}

test('the application key is asked for once and approved on the printer; pause, resume and cancel reach it once each', async (t) => {
  const { sim, emulator, modeler, live, dataDir } = await setup(t);
  sim.startJob('bracket', 600);
  await waitFor(() => live()?.snapshot.state === 'printing', 15_000, 'printing');

  const pause = emulator.sendCommand({ type: 'pause_job', modeler });
  await waitFor(() => sim.pendingKeys === 1, 15_000, 'Echo to ask the printer for a key');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(emulator.state.commands.get(pause.uuid)!.status, 'processing', 'waiting for the operator');
  assert.equal(sim.commandsReceived.length, 0, 'nothing is sent before the key is approved');
  sim.approvePendingKeys();
  const paused = await ended(emulator, pause.uuid, 'pause to end');
  assert.equal(paused.status, 'complete', JSON.stringify(paused.response));
  assert.equal(paused.response.state_after, 'paused');
  assert.equal(paused.response.state_before, 'printing');
  await waitFor(() => live()?.snapshot.state === 'paused', 5000, 'paused on the printer');

  const resume = emulator.sendCommand({ type: 'resume_job', modeler });
  const resumed = await ended(emulator, resume.uuid, 'resume to end');
  assert.equal(resumed.status, 'complete', JSON.stringify(resumed.response));
  assert.equal(resumed.response.state_after, 'printing');

  const jobUuid = String(paused.response.job_uuid);
  const cancel = emulator.sendCommand({ type: 'cancel_job', modeler, job_external_id: jobUuid });
  const cancelled = await ended(emulator, cancel.uuid, 'cancel to end');
  assert.equal(cancelled.status, 'complete', JSON.stringify(cancelled.response));
  assert.equal(cancelled.response.state_after, 'no_job');
  await waitFor(() => live()?.snapshot.state === 'idle', 5000, 'idle after the cancel');

  assert.deepEqual(
    sim.commandsReceived.map((c) => [c.method, c.target, c.status]),
    [
      ['PUT', 'pause', 204],
      ['PUT', 'print', 204],
      ['PUT', 'abort', 204],
    ],
    'each command reached the printer exactly once',
  );
  assert.equal(sim.authRequests, 1, 'one key, asked for once');
  // The key is in the secret store only: not in the store, the config, the logs, or the cloud.
  const [key] = sim.keysIssued();
  const commandsSent = JSON.stringify([...emulator.state.commands.values()]);
  assert.ok(!commandsSent.includes(key!));
  assert.ok(!everythingBut(dataDir, (name) => name.includes('secret')).includes(key!));
});

test('a key revoked on the printer is forgotten and asked for again, once', async (t) => {
  const { sim, emulator, modeler, live } = await setup(t, { autoApproveMs: 300 });
  sim.startJob('housing', 600);
  await waitFor(() => live()?.snapshot.state === 'printing', 15_000, 'printing');
  const pause = emulator.sendCommand({ type: 'pause_job', modeler });
  assert.equal((await ended(emulator, pause.uuid, 'pause')).status, 'complete');
  assert.equal(sim.authRequests, 1);

  sim.revokeKeys();
  const resume = emulator.sendCommand({ type: 'resume_job', modeler });
  const resumed = await ended(emulator, resume.uuid, 'resume after the revocation');
  assert.equal(resumed.status, 'complete', JSON.stringify(resumed.response));
  assert.equal(sim.authRequests, 2, 'a new key was asked for');
  assert.ok(sim.unauthorizedWrites >= 1, 'the revoked key was refused');
  assert.deepEqual(
    sim.commandsReceived.map((c) => c.target),
    ['pause', 'print'],
  );
});

test('a command the printer state does not allow never reaches it, and asks for no key', async (t) => {
  const { sim, emulator, modeler, live } = await setup(t, { autoApproveMs: 100 });
  const idlePause = emulator.sendCommand({ type: 'pause_job', modeler });
  const refused = await ended(emulator, idlePause.uuid, 'pause on an idle printer');
  assert.equal(refused.status, 'error');
  assert.equal(refused.response.error, 'refused_by_state');
  assert.match(String(refused.response.message), /no print job: there is nothing to pause/);

  sim.startJob('gear', 600);
  await waitFor(() => live()?.snapshot.state === 'printing', 15_000, 'printing');
  const resume = emulator.sendCommand({ type: 'resume_job', modeler });
  const notPaused = await ended(emulator, resume.uuid, 'resume of a printing job');
  assert.equal(notPaused.response.error, 'refused_by_state');
  assert.equal(notPaused.response.machine_state, 'printing');

  const otherJob = emulator.sendCommand({ type: 'cancel_job', modeler, job_external_id: 'another-job' });
  const wrongJob = await ended(emulator, otherJob.uuid, 'cancel of another job');
  assert.equal(wrongJob.response.error, 'refused_by_state');
  assert.match(String(wrongJob.response.message), /not another-job: nothing was sent/);

  assert.equal(sim.commandsReceived.length, 0);
  assert.equal(sim.authRequests, 0);
  assert.equal(live()?.snapshot.state, 'printing');
});

test("the operator refusing Echo on the printer's screen ends the command as an error that says so; the next asks again", async (t) => {
  const { sim, emulator, modeler, live } = await setup(t);
  sim.startJob('clip', 600);
  await waitFor(() => live()?.snapshot.state === 'printing', 15_000, 'printing');
  const pause = emulator.sendCommand({ type: 'pause_job', modeler });
  await waitFor(() => sim.pendingKeys === 1, 15_000, 'the key request');
  sim.refusePendingKeys();
  const refused = await ended(emulator, pause.uuid, 'the refused pause');
  assert.equal(refused.status, 'error');
  assert.equal(refused.response.error, 'failed');
  assert.match(String(refused.response.message), /operator refused Echo's access request/);
  assert.equal(sim.commandsReceived.length, 0);

  const again = emulator.sendCommand({ type: 'pause_job', modeler });
  await waitFor(() => sim.pendingKeys === 1, 15_000, 'a new key request');
  assert.equal(sim.authRequests, 2);
  sim.approvePendingKeys();
  assert.equal((await ended(emulator, again.uuid, 'the second pause')).status, 'complete');
  assert.deepEqual(
    sim.commandsReceived.map((c) => c.target),
    ['pause'],
  );
});

// ---------------------------------------------------------------------------------------------
// start_job: the core hands the collector a downloaded file; driven here on the collector itself.
// ---------------------------------------------------------------------------------------------

function context(shared: ResourceScope): CollectorContext & { vault: Map<string, string> } {
  const kv = new Map<string, string>();
  const vault = new Map<string, string>();
  const quiet = () => undefined;
  return {
    machine: 'um-direct',
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    credentials: {},
    state: { get: (k) => kv.get(k), set: (k, v) => void kv.set(k, v) },
    dataDir: '/nonexistent',
    pkiDir: '/nonexistent',
    notify: quiet,
    limits: { maxMessageBytes: 16 * 1024 * 1024 },
    shared,
    secrets: {
      get: (k) => vault.get(k),
      set: (k, v) => void vault.set(k, v),
      delete: (k) => void vault.delete(k),
    },
    vault,
  };
}

async function direct(t: TestContext, options: SimulatorOptions = {}) {
  const sim = await UltimakerSimulator.start({ autoApproveMs: 100, ...options });
  const shared = new ResourceScope();
  t.after(async () => {
    await shared.close();
    await sim.close();
  });
  const ctx = context(shared);
  const collector = new UltimakerCollector(
    ultimakerConnection.parse({ host: sim.host, port: sim.port }),
    ctx,
  );
  return { sim, ctx, collector, dir: tempDir(t) };
}

test('start_job streams the file to the printer, which prints it; its uuid is the reply', async (t) => {
  const { sim, ctx, collector, dir } = await direct(t);
  const path = join(dir, 'download.bin');
  const content = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(path, content);
  const result = await collector.control!(
    { type: 'start_job', file: { path, name: 'bracket "v2".gcode' } },
    AbortSignal.timeout(20_000),
  );
  assert.equal(sim.commandsReceived.length, 1);
  const received = sim.commandsReceived[0]!;
  assert.equal(received.method, 'POST');
  assert.deepEqual(received.file, {
    name: 'bracket _v2_.gcode',
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
  });
  assert.equal(result.reply.job_name, 'bracket _v2_');
  assert.equal(result.reply.bytes_sent, content.length);
  assert.ok(sim.busy);
  const job = (await (await fetch(`http://${sim.host}:${sim.port}/api/v1/print_job`)).json()) as {
    uuid: string;
  };
  assert.equal(result.reply.job_uuid, job.uuid);
  assert.equal(ctx.vault.get('application_state'), 'authorized');
  assert.equal(ctx.vault.get('application_key'), sim.keysIssued()[0]);

  // A job is on the printer now: a second start is refused before anything is sent.
  await assert.rejects(
    collector.control!({ type: 'start_job', file: { path, name: 'other.gcode' } }, AbortSignal.timeout(5000)),
    (error: unknown) => error instanceof CommandRefused && /printer is printing/.test(error.message),
  );
  assert.equal(sim.commandsReceived.length, 1);
});

test('an upload the printer refuses (too large) ends as an error naming its answer', async (t) => {
  const { sim, collector, dir } = await direct(t, { maxUploadBytes: 64 * 1024 });
  const path = join(dir, 'big.gcode');
  writeFileSync(path, Buffer.alloc(256 * 1024, 0x47));
  await assert.rejects(
    collector.control!({ type: 'start_job', file: { path, name: 'big.gcode' } }, AbortSignal.timeout(10_000)),
    (error: unknown) => error instanceof CollectorError && /answered 413/.test(error.message),
  );
  assert.equal(sim.busy, false);
});

test('a key not approved before the command gives up is an auth error; a later approval serves the next command', async (t) => {
  const { sim, ctx, collector } = await direct(t, { autoApproveMs: undefined });
  sim.startJob('lever', 600);
  await assert.rejects(
    collector.control!({ type: 'pause_job' }, AbortSignal.timeout(1500)),
    (error: unknown) =>
      error instanceof CollectorError && error.failure === 'auth' && /approve Echo/.test(error.message),
  );
  assert.equal(ctx.vault.get('application_state'), 'pending');
  sim.approvePendingKeys();
  const result = await collector.control!({ type: 'pause_job' }, AbortSignal.timeout(10_000));
  assert.equal(result.reply.state_after, 'paused');
  assert.equal(sim.authRequests, 1);
});
