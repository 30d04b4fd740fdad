import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { z } from 'zod';
import { type CloudEmulator, startCloudEmulator } from '../../src/cloud-emulator/server.ts';
import type { PresetRecord } from '../../src/cloud-emulator/state.ts';
import { JeniSimulator } from '../../src/collectors/photocentric-jeni/simulator/photocentric-jeni-simulator.ts';
import { wallClock } from '../../src/core/clock.ts';
import { CloudHttpClient, type CloudRequest } from '../../src/core/cloud/http-client.ts';
import { syncMachinePresets } from '../../src/core/commands/preset-sync.ts';
import { resolveConfig } from '../../src/core/config/load.ts';
import { CloudGate } from '../../src/core/sync/cloud-gate.ts';
import type { SyncContext } from '../../src/core/sync/sync-context.ts';
import {
  SEED_TOKEN,
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../helpers/harness.ts';

/**
 * What preset sync needs of the sync engine, against `emulator` with the seed token: a cloud
 * client (`client`, to change what reaches the server), a quick gate, a silent logger, and the
 * configuration's cloud section (with `bureau` when given).
 */
function syncContext(
  emulator: CloudEmulator,
  options: { client?: CloudHttpClient; bureau?: string } = {},
): SyncContext {
  const client = options.client ?? new CloudHttpClient(emulator.url, 5000);
  client.auth = { kind: 'token', uuid: SEED_TOKEN.uuid, secret: SEED_TOKEN.secret };
  const cloud = { url: emulator.url, ...(options.bureau ? { bureau: options.bureau } : {}) };
  return {
    client,
    gate: new CloudGate(wallClock, 100, 1000),
    clock: wallClock,
    logger: pino({ level: 'silent' }),
    config: resolveConfig({ cloud }, {}),
    unauthenticated: () => {},
  } as unknown as SyncContext;
}

test('presets converge with the machine: created, changed, removed (kept inactive) and back again, one modeler only', async (t) => {
  const emulator = await startCloudEmulator({ seedToken: SEED_TOKEN });
  t.after(() => emulator.close());
  const ctx = syncContext(emulator);
  const jeni = emulator.state.addModeler({ name: 'jeni' }).uri;
  const other = emulator.state.addModeler({ name: 'other' }).uri;
  const signal = new AbortController().signal;
  const target = { machine: 'jeni', modeler: jeni };
  const cloud = (modeler = jeni) =>
    [...emulator.state.presets.values()]
      .filter((p) => p.modeler === modeler)
      .map((p) => [p.name, p.active, p.description] as const)
      .sort();

  // Another machine's preset of the same name is not this machine's.
  await syncMachinePresets(ctx, { machine: 'other', modeler: other }, [{ name: 'Tough' }], signal);
  const bottle = {
    name: 'Durable DL110 HB Bottle Cap',
    description: 'print → wash 5 min → cure 10 min',
    details: [{ step: 'print' }],
  };
  let changes = await syncMachinePresets(
    ctx,
    target,
    [bottle, { name: 'Tough', description: 'print' }],
    signal,
  );
  assert.deepEqual(changes, {
    created: ['Durable DL110 HB Bottle Cap', 'Tough'],
    updated: [],
    deactivated: [],
  });
  assert.deepEqual(cloud(), [
    ['Durable DL110 HB Bottle Cap', true, 'print → wash 5 min → cure 10 min'],
    ['Tough', true, 'print'],
  ]);
  // Nothing changed: nothing written.
  const writes = () => emulator.state.requests.filter((r) => r.method !== 'GET').length;
  const before = writes();
  changes = await syncMachinePresets(ctx, target, [bottle, { name: 'Tough', description: 'print' }], signal);
  assert.deepEqual(changes, { created: [], updated: [], deactivated: [] });
  assert.equal(writes(), before);
  // Changed on the machine, and one removed from it.
  changes = await syncMachinePresets(
    ctx,
    target,
    [{ ...bottle, description: 'print → wash 8 min → cure 10 min' }],
    signal,
  );
  assert.deepEqual(changes, {
    created: [],
    updated: ['Durable DL110 HB Bottle Cap'],
    deactivated: ['Tough'],
  });
  assert.deepEqual(cloud(), [
    ['Durable DL110 HB Bottle Cap', true, 'print → wash 8 min → cure 10 min'],
    ['Tough', false, 'print'],
  ]);
  // Back on the machine: active again, the same resource.
  changes = await syncMachinePresets(
    ctx,
    target,
    [
      { ...bottle, description: 'print → wash 8 min → cure 10 min' },
      { name: 'Tough', description: 'print' },
    ],
    signal,
  );
  assert.deepEqual(changes?.updated, ['Tough']);
  assert.equal(cloud().length, 2);
  assert.deepEqual(cloud(other), [['Tough', true, '']]);
});

test('a preset the cloud refuses for good is skipped: the presets after it still converge', async (t) => {
  const emulator = await startCloudEmulator({
    seedToken: SEED_TOKEN,
    faults: { reject_preset_names: ['Refused'] },
  });
  t.after(() => emulator.close());
  const ctx = syncContext(emulator);
  const jeni = emulator.state.addModeler({ name: 'jeni' }).uri;
  const target = { machine: 'jeni', modeler: jeni };
  const signal = new AbortController().signal;
  const changes = await syncMachinePresets(
    ctx,
    target,
    [{ name: 'Before' }, { name: 'Refused' }, { name: 'After' }],
    signal,
  );
  assert.deepEqual(changes?.created, ['Before', 'After']);
  assert.deepEqual([...emulator.state.presets.values()].map((p) => p.name).sort(), ['After', 'Before']);
});

test('only this machine’s presets are compared: a bureau-wide preset and another machine’s stay untouched, even from a server that ignores the modeler filter', async (t) => {
  const emulator = await startCloudEmulator({ seedToken: SEED_TOKEN });
  t.after(() => emulator.close());
  // A cloud that lists every preset whatever `filter[modeler]` asks (the agent must not rely on
  // the filter): the query's filter is dropped before the request leaves.
  class FilterIgnoringClient extends CloudHttpClient {
    override json<T extends z.ZodType>(request: CloudRequest, schema: T): Promise<z.infer<T>> {
      return super.json({ ...request, url: request.url.replace(/filter%5Bmodeler%5D=[^&]*&?/, '') }, schema);
    }
  }
  const bureau = `${emulator.url}/bureau/00000000-0000-4000-8000-0000000000b1/`;
  const ctx = syncContext(emulator, { client: new FilterIgnoringClient(emulator.url, 5000), bureau });
  const jeni = emulator.state.addModeler({ name: 'jeni' }).uri;
  const other = emulator.state.addModeler({ name: 'other' }).uri;
  const signal = new AbortController().signal;
  // A preset of the bureau, enabled on no one modeler (the seed: "a preset can be enabled/disabled
  // on multiple modelers"), as the MES may hold it: not created through the API, which needs one.
  const now = new Date().toISOString();
  const bureauWide = {
    uuid: '00000000-0000-4000-8000-0000000000a1',
    uri: `${emulator.url}/modeler-printing-preset/00000000-0000-4000-8000-0000000000a1/`,
    name: 'Bureau Standard',
    description: 'shared',
    bureau: emulator.state.bureauUri,
    active: true,
    preset_list: [],
    created: now,
    updated: now,
  };
  emulator.state.presets.set(bureauWide.uuid, bureauWide as unknown as PresetRecord);
  await syncMachinePresets(ctx, { machine: 'other', modeler: other }, [{ name: 'Other Only' }], signal);
  const untouched = () =>
    [...emulator.state.presets.values()]
      .filter((p) => p.modeler !== jeni)
      .map((p) => [p.name, p.active, p.updated] as const)
      .sort();
  const before = untouched();
  assert.deepEqual(
    before.map(([name, active]) => [name, active]),
    [
      ['Bureau Standard', true],
      ['Other Only', true],
    ],
  );
  const mine = () =>
    [...emulator.state.presets.values()]
      .filter((p) => p.modeler === jeni)
      .map((p) => [p.name, p.active] as const)
      .sort();

  let changes = await syncMachinePresets(
    ctx,
    { machine: 'jeni', modeler: jeni },
    [{ name: 'Tough' }],
    signal,
  );
  assert.deepEqual(changes, { created: ['Tough'], updated: [], deactivated: [] });
  assert.deepEqual(mine(), [['Tough', true]]);
  // The bureau named in the configuration goes with the new preset.
  assert.equal([...emulator.state.presets.values()].find((p) => p.modeler === jeni)?.bureau, bureau);
  changes = await syncMachinePresets(ctx, { machine: 'jeni', modeler: jeni }, [], signal);
  assert.deepEqual(changes, { created: [], updated: [], deactivated: ['Tough'] });
  assert.deepEqual(mine(), [['Tough', false]]);
  // A second round changes nothing more; the others were never written.
  changes = await syncMachinePresets(ctx, { machine: 'jeni', modeler: jeni }, [], signal);
  assert.deepEqual(changes, { created: [], updated: [], deactivated: [] });
  assert.deepEqual(untouched(), before);
  assert.ok(
    !emulator.state.requests.some((r) => r.method === 'PUT' && r.path.includes('0000000000a1')),
    'no write to the bureau-wide preset',
  );
});

test('a JENI cell through the agent: its presets reach the cloud, and follow additions, changes and removals', async (t) => {
  const sim = await JeniSimulator.start();
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['jeni']);
  const base = testConfig(join(tempDir(t), 'data'), emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 5, preset_sync: 1 },
  });
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'photocentric-jeni',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 0.5,
      timeout: 2,
    })),
  } as typeof base;
  await startAgentWithCollectors(t, config);
  const cloud = () =>
    [...emulator.state.presets.values()].map((p) => `${p.name}${p.active ? '' : ' (inactive)'}`).sort();
  const onCell = () => sim.presets.map((p) => p.name).sort();
  await waitFor(
    () => JSON.stringify(cloud()) === JSON.stringify(onCell()),
    15_000,
    'the cell’s presets in the cloud',
  );
  const [first] = [...emulator.state.presets.values()];
  assert.match(first!.description, /print .*→ wash .*→ cure/);
  assert.ok(first!.preset_list.length >= 2, 'the steps as preset_list');

  const removed = sim.presets[1]!.name;
  sim.presets.push({
    id: 'p-flex',
    name: 'Flexible Gasket',
    material: 'Flexible 40',
    steps: [{ type: 'print', name: 'Print', duration_s: 600 }],
  });
  sim.presets.splice(1, 1);
  await waitFor(
    () => cloud().includes('Flexible Gasket') && cloud().includes(`${removed} (inactive)`),
    15_000,
    'the addition and the removal in the cloud',
  );
});

test('presets past the first page are read, from a server that caps page[limit] below what Echo asks', async (t) => {
  const emulator = await startCloudEmulator({ seedToken: SEED_TOKEN });
  t.after(() => emulator.close());
  // Echo asks 100 a page; this server gives 50 at most, so a short page is not the last one.
  class CappedPageClient extends CloudHttpClient {
    override json<T extends z.ZodType>(request: CloudRequest, schema: T): Promise<z.infer<T>> {
      return super.json(
        { ...request, url: request.url.replace(/page%5Blimit%5D=100/, 'page%5Blimit%5D=50') },
        schema,
      );
    }
  }
  const ctx = syncContext(emulator, { client: new CappedPageClient(emulator.url, 5000) });
  const jeni = emulator.state.addModeler({ name: 'jeni' }).uri;
  const target = { machine: 'jeni', modeler: jeni };
  const signal = new AbortController().signal;
  const onMachine = Array.from({ length: 120 }, (_, i) => ({ name: `Preset ${String(i).padStart(3, '0')}` }));
  const first = await syncMachinePresets(ctx, target, onMachine, signal);
  assert.equal(first?.created.length, 120);
  // Read back across three pages: nothing is created twice (not even tried), nothing deactivated.
  const posts = () =>
    emulator.state.requests.filter((r) => r.method === 'POST' && r.path === '/modeler-printing-preset/')
      .length;
  const postsBefore = posts();
  const again = await syncMachinePresets(ctx, target, onMachine, signal);
  assert.equal(posts(), postsBefore, 'no preset posted again');
  assert.deepEqual(again, { created: [], updated: [], deactivated: [] });
  assert.equal([...emulator.state.presets.values()].filter((p) => p.modeler === jeni).length, 120);
});
