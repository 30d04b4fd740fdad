import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allCollectors } from '../../src/collectors/all.ts';
import { validateMachines } from '../../src/core/collection/validate-machines.ts';
import { addiguruHealth } from '../../src/core/sync/addiguru-health.ts';
import { machineSchema } from '../../src/shared/config/schema.ts';
import { SEED_TOKEN, startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('an Addiguru hub: its captures are sent with addiguru_installation, its health reported to the installation', async (t) => {
  const { emulator } = await startEmulator(t, []);
  const hub = emulator.state.addAddiguruInstallation({ name: 'addiguru-hall-2', ip_address: '10.0.0.40' });
  const config = testConfig(
    tempDir(t),
    emulator.url,
    {},
    {
      cloud: { url: emulator.url, api_token: SEED_TOKEN, request_timeout_ms: 5000 },
      machines: [{ name: 'addiguru-hall-2', collector: 'test', addiguru_installation: hub.uri }],
    },
  );
  const agent = await startAgent(t, config);
  await agent.sink.ingestCapture({
    machine: 'addiguru-hall-2',
    captureTypeName: 'addiguru.build.analysis',
    content: JSON.stringify({ analysis: 'a-1', layers: 3 }),
    contentType: 'application/json',
  });
  await waitFor(
    () => [...emulator.state.captures.values()].some((c) => c.content !== undefined),
    15_000,
    'the analysis uploaded',
  );
  const [capture] = [...emulator.state.captures.values()];
  assert.equal(capture!.addiguru_installation, hub.uri);
  assert.equal(capture!.modeler, null);
  assert.equal(capture!.capture_type_name, 'addiguru.build.analysis');

  await agent.sink.recordMachineStatus({
    machine: 'addiguru-hall-2',
    state: 'idle',
    connected: true,
    error: null,
  });
  await waitFor(() => hub.health === 'healthy', 15_000, 'healthy');
  assert.match(String(hub.health_check_on), /^\d{4}-\d\d-\d\dT/);
  await agent.sink.recordMachineStatus({
    machine: 'addiguru-hall-2',
    state: 'error',
    connected: false,
    error: 'addiguru-hall-2: 401 from the hub',
    failure: 'auth',
  });
  await waitFor(() => hub.health === 'authentication_error', 15_000, 'authentication_error');
  assert.deepEqual(
    emulator.state.addiguruHealthReports.map((r) => r.health),
    ['healthy', 'authentication_error'],
  );
  // A modeler's PUT (connected/error) never went to the installation, nor anywhere else.
  assert.ok(!emulator.state.requests.some((r) => r.method === 'PUT' && r.path.startsWith('/modeler/')));
});

test('the health an Addiguru installation hears, from each way a hub fails; modeler and installation together refused', () => {
  const health = (connected: boolean, state: string, failure: string | null) =>
    addiguruHealth({ connected, state, failure });
  assert.equal(health(true, 'printing', null), 'healthy');
  assert.equal(health(true, 'error', null), 'degraded');
  assert.equal(health(false, 'offline', 'unreachable'), 'unreachable');
  assert.equal(health(false, 'offline', 'timeout'), 'unreachable');
  assert.equal(health(false, 'error', 'auth'), 'authentication_error');
  assert.equal(health(false, 'error', 'untrusted_certificate'), 'configuration_error');
  assert.equal(health(false, 'error', 'protocol'), 'degraded');
  assert.equal(health(false, 'error', null), 'unknown');

  const both = machineSchema.parse({
    name: 'hub',
    collector: 'log-files',
    modeler: 'https://cloud.example/modeler/1/',
    addiguru_installation: 'https://cloud.example/addiguru-installation/1/',
    connection: { path: '/tmp/x.log' },
  });
  assert.match(
    validateMachines([both], allCollectors()).join('\n'),
    /machines\.0\.addiguru_installation: give modeler or addiguru_installation, not both \(hub\)/,
  );
});
