import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('a capture POST answered 409 after its first reply was lost is the same capture: uploaded once, acknowledged', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['printer-1'], {
    duplicateCaptures: 'conflict',
    faults: { lose_capture_replies: 1 },
  });
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers));
  const { echoCaptureId } = await agent.sink.ingestCapture({
    machine: 'printer-1',
    captureTypeName: 'ultimaker.modeler.log',
    content: JSON.stringify({ lost: 'reply' }),
    contentType: 'application/json',
  });

  await waitFor(() => agent.store.stats.counts().captures.acknowledged === 1, 20_000, 'acknowledged');
  const state = emulator.state;
  assert.equal(state.duplicateCapturePosts, 1, 'the second POST was answered 409');
  assert.ok(state.requests.some((r) => r.method === 'POST' && r.path === '/capture/' && r.status === 409));
  assert.equal(state.captures.size, 1, 'exactly one capture in the cloud');
  const capture = state.capturesByEchoId.get(echoCaptureId)!;
  assert.equal(capture.uploads, 1, 'its content uploaded once');
  assert.equal(capture.status, 'complete');
  assert.equal(agent.store.stats.counts().captures.dead, 0, 'never dead-lettered');
});

test('a capture POST answered 409 for a capture whose content the cloud has: acknowledged, not uploaded again', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['printer-1'], { duplicateCaptures: 'conflict' });
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers));
  await waitFor(() => emulator.state.eccos.size === 1, 15_000, 'registered');
  await emulator.setFaults({ down: true });
  const { echoCaptureId } = await agent.sink.ingestCapture({
    machine: 'printer-1',
    captureTypeName: 'ultimaker.modeler.log',
    content: JSON.stringify({ sent: 'before' }),
    contentType: 'application/json',
  });
  // The cloud has it with its content (an earlier Echo sent all of it, then lost its store's record).
  const state = emulator.state;
  const uuid = randomUUID();
  const now = new Date().toISOString();
  const record = {
    uuid,
    uri: state.url(`/capture/${uuid}/`),
    modeler: modelers['printer-1']!,
    addiguru_installation: null,
    capture_type_name: 'ultimaker.modeler.log',
    printer_names: [],
    meta: { echo_capture_id: echoCaptureId },
    status: 'complete' as const,
    created: now,
    updated: now,
    uploadToken: randomBytes(12).toString('hex'),
    content: Buffer.from(JSON.stringify({ sent: 'before' })),
    contentType: 'application/json',
    uploads: 1,
  };
  state.captures.set(uuid, record);
  state.capturesByEchoId.set(echoCaptureId, record);
  await emulator.setFaults({ down: false });

  await waitFor(() => agent.store.stats.counts().captures.acknowledged === 1, 20_000, 'acknowledged');
  assert.equal(state.captures.size, 1, 'exactly one capture in the cloud');
  assert.equal(state.duplicateCapturePosts, 1, 'its POST was answered 409');
  assert.equal(record.uploads, 1, 'not uploaded again');
  assert.equal(agent.store.stats.counts().captures.dead, 0, 'never dead-lettered');
});
