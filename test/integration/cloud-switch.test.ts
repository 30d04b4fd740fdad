import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOKEN_SECRET_NAME } from '../../src/core/cloud/credentials.ts';
import { openSecretStore } from '../../src/core/secrets/encrypted-file-store.ts';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';
import { openTestStore } from '../helpers/store.ts';

test('pointing Echo at another cloud: registered anew there, in-flight captures sent there, the old sign-in not carried over', async (t) => {
  const first = await startEmulator(t, ['p1']);
  const second = await startEmulator(t, ['p1']);
  const dir = tempDir(t);

  // A while on the first cloud.
  const before = await startAgent(t, testConfig(dir, first.emulator.url, first.modelers));
  await before.ingestCapture({
    machine: 'p1',
    captureTypeName: 'ultimaker.modeler.log',
    content: '{"n": 1}',
    contentType: 'application/json',
  });
  await waitFor(() => first.emulator.state.captures.size === 1 && first.emulator.state.eccos.size === 1);
  await before.stop();

  // Left behind: a capture created on the first cloud but not uploaded, and a sign-in it issued.
  const store = openTestStore(dir);
  const { echoCaptureId } = await store.ingestCapture({
    machine: 'p1',
    captureTypeName: 'ultimaker.modeler.log',
    content: '{"n": 2}',
    contentType: 'application/json',
  });
  store.flush();
  const head = store.captures.head('p1')!;
  store.captures.markCreated(head.id, `${first.emulator.url}capture/lost/`, undefined);
  store.close();
  openSecretStore(dir).set(TOKEN_SECRET_NAME, JSON.stringify({ uuid: 'old', secret: 'old-secret' }));

  // The same data folder, now pointed at the second cloud.
  const after = await startAgent(t, testConfig(dir, second.emulator.url, second.modelers));
  await waitFor(() => second.emulator.state.eccos.size === 1, 15_000, 'registered on the new cloud');
  await waitFor(() => second.emulator.state.capturesByEchoId.has(echoCaptureId), 15_000, 'the capture there');
  assert.equal(
    after.secrets.get(TOKEN_SECRET_NAME),
    undefined,
    'the old cloud’s token is not sent elsewhere',
  );
  assert.equal(first.emulator.state.eccos.size, 1, 'nothing more on the old cloud');
  assert.equal(first.emulator.state.captures.size, 1);
  assert.ok(after.logs({ limit: 50, search: 'cloud URL changed' }).length > 0, 'the move is said in the log');
});
