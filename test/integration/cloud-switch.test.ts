import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type CloudEmulator, startCloudEmulator } from '../../src/cloud-emulator/server.ts';
import { AgentHost } from '../../src/core/agent-host.ts';
import { TOKEN_SECRET_NAME } from '../../src/core/cloud/credentials.ts';
import { withLocalSettings } from '../../src/core/config/local-settings.ts';
import { openSecretStore } from '../../src/core/secrets/encrypted-file-store.ts';
import { SEED_TOKEN, startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';
import { openTestStore } from '../helpers/store.ts';

test('pointing Echo at another cloud: registered anew there, in-flight captures sent there, the old sign-in not carried over', async (t) => {
  const first = await startEmulator(t, ['p1']);
  const second = await startEmulator(t, ['p1']);
  const dir = tempDir(t);

  // A while on the first cloud.
  const before = await startAgent(t, testConfig(dir, first.emulator.url, first.modelers));
  await before.sink.ingestCapture({
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

/**
 * The emulator behind a server that records the `Authorization` header of every request it
 * passes on; the emulator names its resources on the recorder's address (one origin, as a cloud).
 */
async function recordingAuthorization(
  t: TestContext,
  emulator: CloudEmulator,
): Promise<{ url: string; received: Array<string | undefined> }> {
  const received: Array<string | undefined> = [];
  const recorder = createServer((req, res) => {
    received.push(req.headers.authorization);
    const upstream = request(
      new URL(req.url ?? '/', emulator.url),
      { method: req.method, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => recorder.close(() => resolve())));
  const url = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/`;
  emulator.state.setBase(url);
  return { url, received };
}

test('the app’s settings point Echo at another cloud: the config file’s token is never sent there, Echo asks to sign in to it', async (t) => {
  const first = await startEmulator(t, ['p1']);
  const secondEmulator = await startCloudEmulator(); // a cloud of its own: the first one's token is not its
  t.after(() => secondEmulator.close());
  const second = await recordingAuthorization(t, secondEmulator);
  const dir = tempDir(t);

  // The config file has a token for the first cloud.
  const config = testConfig(dir, first.emulator.url, first.modelers);
  const failures: unknown[] = [];
  const host = await AgentHost.start(() => withLocalSettings(config, {}), {
    onFailed: (error) => failures.push(error),
  });
  t.after(() => host.stop());
  await waitFor(() => first.emulator.state.eccos.size === 1, 15_000, 'registered on the first cloud');
  const { url: api, token } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  // A restart closes the old server's keep-alive sockets; a client may try a closed one once.
  const call = (method: string, path: string, body?: unknown) =>
    send(method, path, body).catch(() => send(method, path, body));

  // Whoever holds the local API token points the app at the second cloud.
  const saved = await call('PUT', '/api/v1/settings', { cloud: { url: second.url } });
  assert.equal(saved.status, 200);
  await waitFor(() => host.restarts === 1, 10_000, 'the restart');
  assert.equal(host.agent.config.cloud.url, second.url);
  await waitFor(() => host.agent.status().cloud.authError !== undefined, 15_000, 'the reason in the status');
  const seed = `Basic ${Buffer.from(`${SEED_TOKEN.uuid}:${SEED_TOKEN.secret}`).toString('base64')}`;
  assert.ok(!second.received.includes(seed), 'the first cloud’s token did not reach the second');
  const status = (await (await call('GET', '/api/v1/status')).json()) as {
    cloud: { auth: string; authError?: string };
  };
  assert.equal(status.cloud.auth, 'signed_out', 'signed out there, as without a token');
  assert.match(
    status.cloud.authError ?? '',
    /api token in the config file is for http:\/\/127\.0\.0\.1:\d+.*sign in/,
  );
  await waitFor(
    () => host.agent.logs({ limit: 50, search: 'api token in the config file' }).length > 0,
    5_000,
    'the log entry',
  );

  // Signing in to the second cloud works as ever, and registers there.
  const signIn = await call('POST', '/api/v1/session', {
    username: 'operator',
    password: 'echo-demo',
    logon_type: 'password',
  });
  assert.equal(signIn.status, 204);
  await waitFor(() => secondEmulator.state.eccos.size === 1, 15_000, 'registered on the second cloud');
  assert.equal(host.agent.status().cloud.auth, 'signed_in');
  assert.ok(
    second.received.some((h) => h?.startsWith('Basic ') && h !== seed),
    'the second cloud got its own token',
  );
  assert.ok(!second.received.includes(seed), 'and never the first cloud’s');
  assert.equal(
    host.agent.logs({ limit: 50, search: 'api token in the config file' }).length,
    1,
    'logged once',
  );
  assert.equal(first.emulator.state.eccos.size, 1, 'nothing more on the first cloud');
  assert.deepEqual(failures, []);
});
