import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../../../test/helpers/harness.ts';

async function api(t: import('node:test').TestContext) {
  const { emulator, modelers } = await startEmulator(t, ['p1'], {
    faults: { reject_capture_types: ['hp.modeler.status'] },
  });
  const dir = tempDir(t);
  const agent = await startAgent(t, testConfig(dir, emulator.url, modelers));
  const file = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as { url: string; token: string };
  assert.equal(statSync(join(dir, 'api.json')).mode & 0o777, 0o600);
  const call = async (path: string, init: RequestInit = {}, token: string | null = file.token) =>
    fetch(`${file.url}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
    });
  return { agent, emulator, file, call };
}

test('the local API binds to loopback and requires its token', async (t) => {
  const { file, call } = await api(t);
  assert.match(file.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await call('/healthz', {}, null)).status, 200);
  assert.equal((await call('/readyz', {}, null)).status, 200);
  assert.equal((await call('/api/v1/status', {}, null)).status, 401);
  assert.equal((await call('/api/v1/status', {}, 'x'.repeat(64))).status, 401);
  const ok = await call('/api/v1/status');
  assert.equal(ok.status, 200);
  const status = (await ok.json()) as { workstationName: string };
  assert.equal(status.workstationName, 'test-station');
  const missing = await call('/api/v1/nope');
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /openapi/);
  const doc = (await (await call('/api/v1/openapi.json', {}, null)).json()) as {
    paths: Record<string, unknown>;
  };
  for (const path of [
    '/api/v1/dead-letters/retry',
    '/api/v1/settings',
    '/api/v1/machines/{name}',
    '/api/v1/machines/{name}/jobs',
    '/api/v1/machines/{name}/captures',
  ]) {
    assert.ok(doc.paths[path], `${path} is documented`);
  }
});

test('a request with a foreign Host header is refused (DNS rebinding)', async (t) => {
  const { file } = await api(t);
  const { port } = new URL(file.url);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', headers: { host: 'evil.example' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 403);
});

test('metrics, logs, dead letters and retry through the API', async (t) => {
  const { agent, emulator, call } = await api(t);
  await agent.sink.ingestCapture({
    machine: 'p1',
    captureTypeName: 'hp.modeler.status',
    content: '{}',
    contentType: 'application/json',
  });
  await agent.sink.ingestLog({
    source: 'machine',
    machine: 'p1',
    level: 'ERROR',
    timestamp: new Date().toISOString(),
    message: 'nozzle clog 50%_done',
  });
  await waitFor(() => agent.store.stats.counts().captures.dead === 1, 10_000, 'dead letter');

  const metrics = await (await call('/metrics')).text();
  assert.match(metrics, /echo_captures\{state="dead"\} 1/);
  assert.match(metrics, /# TYPE echo_store_used_bytes gauge/);

  const logs = (await (await call('/api/v1/logs?level=ERROR&search=50%25_')).json()) as { message: string }[];
  assert.deepEqual(
    logs.map((l) => l.message),
    ['nozzle clog 50%_done'],
  );

  const dead = (await (await call('/api/v1/dead-letters')).json()) as {
    id: number;
    captureTypeName: string;
  }[];
  assert.equal(dead[0]!.captureTypeName, 'hp.modeler.status');
  const bad = await call('/api/v1/dead-letters/retry', { method: 'POST', body: '{"kind":"everything"}' });
  assert.equal(bad.status, 400);
  await emulator.setFaults({ reject_capture_types: [] });
  const retried = await call('/api/v1/dead-letters/retry', {
    method: 'POST',
    body: JSON.stringify({ ids: [dead[0]!.id] }),
  });
  assert.deepEqual(await retried.json(), { retried: 1 });
  await waitFor(() => emulator.state.uploadedCaptureIds().size === 1, 10_000, 'retried capture uploaded');
});

test('a malformed % escape in a path (a name or an id) answers 400; ?limit= is clamped to 1…max', async (t) => {
  const { agent, call } = await api(t);
  for (let i = 0; i < 3; i++) {
    await agent.sink.ingestCapture({
      machine: 'p1',
      captureTypeName: 'ultimaker.modeler.log',
      content: `{"i":${i}}`,
      contentType: 'application/json',
    });
    await agent.sink.ingestLog({
      source: 'machine',
      machine: 'p1',
      level: 'INFO',
      timestamp: new Date().toISOString(),
      message: `line ${i}`,
    });
  }
  for (const [method, path] of [
    ['GET', '/api/v1/machines/%E0%A4%A'],
    ['PUT', '/api/v1/machines/%E0%A4%A'],
    ['DELETE', '/api/v1/machines/%'],
    ['GET', '/api/v1/machines/%ZZ/captures'],
    ['GET', '/api/v1/machines/%E0%A4%A/jobs'],
    // A numeric id too: the escape is refused before the id's digits are looked at (was a 404).
    ['DELETE', '/api/v1/alerts/%E0%A4%A'],
    ['POST', '/api/v1/commands/%ZZ/confirm'],
    ['POST', '/api/v1/commands/%/refuse'],
  ] as const) {
    const answer = await call(path, { method, ...(method === 'PUT' ? { body: '{}' } : {}) });
    assert.equal(answer.status, 400, `${method} ${path}`);
    const body = (await answer.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'bad_path');
  }
  assert.equal((await call('/healthz', {}, null)).status, 200, 'the agent is still up');
  // A well-formed escape that is no id is not this route: 404, as for any unknown path.
  assert.equal((await call('/api/v1/alerts/%41', { method: 'DELETE' })).status, 404);

  const captures = async (query: string) =>
    ((await (await call(`/api/v1/machines/p1/captures${query}`)).json()) as unknown[]).length;
  assert.equal(await captures(''), 3);
  assert.equal(await captures('?limit=-1'), 1);
  assert.equal(await captures('?limit=0'), 1);
  assert.equal(await captures('?limit=2.9'), 2);
  assert.equal(await captures('?limit=abc'), 3, 'not a number: the default');
  const logs = async (query: string) =>
    ((await (await call(`/api/v1/logs${query}`)).json()) as unknown[]).length;
  assert.ok((await logs('')) >= 3);
  assert.equal(await logs('?limit=-5'), 1);
});
