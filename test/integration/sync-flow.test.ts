import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('captures, logs, status and health reach the emulator per the contract', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['printer-1', 'printer-2']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers));
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const machine = i % 2 === 0 ? 'printer-1' : 'printer-2';
    ids.push(
      (
        await agent.sink.ingestCapture({
          machine,
          captureTypeName: 'ultimaker.modeler.log',
          content: JSON.stringify({ i }),
          contentType: 'application/json',
        })
      ).echoCaptureId,
    );
  }
  await agent.sink.ingestLog({
    source: 'machine',
    machine: 'printer-1',
    level: 'INFO',
    timestamp: new Date().toISOString(),
    message: 'job started',
  });
  await agent.sink.recordMachineStatus({
    machine: 'printer-2',
    state: 'offline',
    connected: false,
    error: 'no route to host',
  });

  await waitFor(() => emulator.state.uploadedCaptureIds().size === 20, 15_000, 'captures uploaded');
  await waitFor(
    () => agent.store.stats.counts().captures.acknowledged === 20,
    15_000,
    'captures acknowledged',
  );
  const uploaded = emulator.state.uploadedCaptureIds();
  for (const id of ids) assert.equal(uploaded.get(id), 1, `capture ${id} uploaded exactly once`);
  const capture = [...emulator.state.captures.values()][0]!;
  assert.equal(capture.capture_type_name, 'ultimaker.modeler.log');
  assert.equal(capture.contentType, 'application/json');
  assert.equal(capture.status, 'complete');

  await waitFor(
    () =>
      emulator.state.logBatches.some((b) =>
        b.logs.some((l) => (l as { message: string }).message === 'job started'),
      ),
    15_000,
    'log batch',
  );
  const batch = emulator.state.logBatches[0]!;
  assert.equal(batch.workstation_name, 'test-station');

  const modeler2 = [...emulator.state.modelers.values()].find((m) => m.name === 'printer-2')!;
  await waitFor(() => modeler2.connected === false, 15_000, 'modeler status');
  assert.equal(modeler2.error, 'no route to host');

  const [ecco] = emulator.state.eccos.values();
  assert.ok(ecco, 'the installation registered');
  assert.equal(ecco.bureau, emulator.state.bureauUri);
  assert.equal(agent.status().cloud.registered, true);
  await waitFor(() => Number(ecco.health_reports ?? 0) >= 1, 15_000, 'health report');
  assert.equal(ecco.health, 'healthy');
  assert.ok(Date.parse(String(ecco.health_check_on)) > Date.now() - 60_000, 'health_check_on is current');
  // The emulator counts the PUT when it arrives; the agent marks it sent when the reply does.
  const reports = () =>
    agent.store['handle'].db.prepare('SELECT state FROM health_reports ORDER BY id').all() as Array<{
      state: string;
    }>;
  await waitFor(() => reports().some((r) => r.state === 'sent'), 5000, 'the report stored and marked sent');
});
