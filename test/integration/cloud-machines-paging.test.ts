import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { allCollectors } from '../../src/collectors/all.ts';
import { readCloudMachines } from '../../src/core/collection/cloud-machines.ts';
import { CloudHttpError } from '../../src/shared/errors.ts';
import {
  startAgent,
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../helpers/harness.ts';

const quiet = pino({ level: 'silent' });

test('the cloud machines are read page by page until total_count: all 250 modelers', async (t) => {
  const { emulator } = await startEmulator(t, ['printer-1']);
  const state = emulator.state;
  const catexType = state.addModelerType('Dimension 1200es', ['catex.modeler.status'], 'Stratasys');
  for (let i = 0; i < 250; i++)
    state.addModeler({ name: `cloud-${i}`, type: catexType.uri, ip_address: '10.0.0.7' });
  // No config machine; cloud.machines_from_cloud is on by default: the agent's refresh reads them.
  const agent = await startAgentWithCollectors(t, testConfig(tempDir(t), emulator.url, {}));
  const listGets = () => state.requests.filter((r) => r.method === 'GET' && r.path === '/modeler/').length;
  // The agent's own first refresh (three pages), so that it does not mix with the count below.
  await waitFor(() => listGets() >= 3, 15_000, "the agent's first read");

  const before = listGets();
  const read = await readCloudMachines(agent.sync.context, allCollectors(), agent.secrets, [], quiet);
  const names = new Set([...read.machines, ...read.skipped].map((m) => m.name));
  assert.equal(names.size, 251, 'every modeler read once (printer-1 and the 250)');
  for (let i = 0; i < 250; i++) assert.ok(names.has(`cloud-${i}`), `cloud-${i}`);
  const pages = listGets() - before;
  assert.equal(pages, 3, 'three pages of 100');
});

test('a 429 with Retry-After on /modeler/ holds the cloud-machine refresh and the watermark GET', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['printer-1']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers));
  await waitFor(() => agent.sync.registered, 15_000, 'registered');
  const ctx = agent.sync.context;

  await emulator.setFaults({ rate_429: 1, retry_after_seconds: 2 });
  await assert.rejects(
    readCloudMachines(ctx, allCollectors(), agent.secrets, [], quiet),
    (error) => error instanceof CloudHttpError && error.status === 429,
  );
  assert.ok(ctx.gate.closedUntil - Date.now() > 1000, 'the shared gate is held by the Retry-After');
  await emulator.setFaults({ rate_429: 0 });

  const modelerGets = () =>
    emulator.state.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/modeler/')).length;
  const before = modelerGets();
  const started = Date.now();
  const [read, watermark] = await Promise.all([
    readCloudMachines(ctx, allCollectors(), agent.secrets, [], quiet),
    agent.sync.modelerWatermark(modelers['printer-1']!),
  ]);
  assert.ok(Date.now() - started >= 1000, 'both waited for the hold');
  assert.equal(read.skipped.length + read.machines.length, 1);
  assert.equal(watermark, undefined);
  assert.ok(modelerGets() > before);
});
