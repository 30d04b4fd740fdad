import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('machines from the cloud: the modeler type picks the collector, a config machine is not doubled, removals stop', async (t) => {
  const sim = await UltimakerSimulator.start({ speed: 30 });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['shop-um-1']);
  const state = emulator.state;
  const ultimakerType = state.addModelerType('Ultimaker S5', ['ultimaker.modeler.log'], 'Ultimaker');
  const eosType = state.addModelerType('EOS M 400', ['eosconnet_v6_http_modeler.jobs'], 'EOS');
  const catexType = state.addModelerType('Dimension 1200es', ['catex.modeler.status'], 'Stratasys');
  // A post-processing station: a modeler type with no capture type, which no collector reads.
  const washType = state.addModelerType('Form Wash', [], 'Formlabs');
  const cloudUm = state.addModeler({
    name: 'cloud-um',
    type: ultimakerType.uri,
    ip_address: `127.0.0.1:${sim.port}`,
  });
  // Also in the config file, under the same name: one machine, the config's.
  state.addModeler({ name: 'shop-um-1', type: ultimakerType.uri, ip_address: '10.9.9.9' });
  state.addModeler({
    name: 'cloud-eos',
    type: eosType.uri,
    ip_address: '127.0.0.1:1',
    username: 'echo',
    password: 'eos-cloud-secret',
    history_collection_frequency: 'daily',
  });
  state.addModeler({ name: 'cloud-catex', type: catexType.uri, ip_address: '10.0.0.7' });
  state.addModeler({ name: 'cloud-wash', type: washType.uri, ip_address: '10.0.0.8' });

  const dir = tempDir(t);
  const base = testConfig(join(dir, 'data'), emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 5, machines_refresh: 1 },
  });
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 0.2,
      timeout: 2,
    })),
  };
  const agent = await startAgentWithCollectors(t, config);
  const names = () =>
    agent
      .machines()
      .map((m) => m.name)
      .sort();
  await waitFor(() => names().includes('cloud-um'), 15_000, 'the cloud machines');
  assert.deepEqual(
    names(),
    ['cloud-catex', 'cloud-eos', 'cloud-um', 'shop-um-1'],
    'a wash station has no collector; shop-um-1 once',
  );
  const summary = (name: string) => agent.machines().find((m) => m.name === name)!;
  assert.equal(summary('shop-um-1').modeler, modelers['shop-um-1'], 'the config machine keeps its modeler');
  assert.equal(summary('cloud-um').collector, 'ultimaker');
  assert.equal(summary('cloud-eos').collector, 'eos-connect-v6');
  assert.equal(summary('cloud-catex').collector, 'catalystex');
  // The modeler's history_collection_frequency decides how often its history is read.
  const definition = (name: string) => agent.allMachines().find((m) => m.name === name)!;
  assert.equal(definition('cloud-eos').history.frequency, 'daily');
  assert.equal(definition('cloud-um').history.frequency, 'never', 'the emulator’s default');

  await waitFor(
    () => summary('cloud-um').live?.snapshot.state === 'idle',
    10_000,
    'the cloud machine collected',
  );
  await waitFor(
    () => [...state.captures.values()].some((c) => c.modeler === cloudUm.uri),
    15_000,
    'its captures under its modeler',
  );
  // The modeler's password went to the secret store, never into a file in the clear.
  const saved = readFileSync(join(config.data_dir, 'echo.db')).toString('latin1');
  assert.ok(!saved.includes('eos-cloud-secret'), 'not in the database');
  assert.equal(
    agent.secrets.get(`modeler-${[...state.modelers.entries()].find(([, m]) => m.name === 'cloud-eos')![0]}`),
    'eos-cloud-secret',
  );

  for (const [uuid, m] of state.modelers) if (m.name === 'cloud-um') state.modelers.delete(uuid);
  await waitFor(() => !names().includes('cloud-um'), 15_000, 'a machine removed in the cloud stops');
});
