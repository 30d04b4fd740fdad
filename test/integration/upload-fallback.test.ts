import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SEED_TOKEN, startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

const basic = `Basic ${Buffer.from(`${SEED_TOKEN.uuid}:${SEED_TOKEN.secret}`).toString('base64')}`;

test('a cloud that answers a capture create without X-Upload-Location: Echo uploads to its content_upload, the captures arrive complete', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['printer-1'], { omitUploadLocation: true });
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers));
  const sent = [{ job: 'one' }, { job: 'two', lines: ['a', 'b'] }];
  const ids: string[] = [];
  for (const content of sent) {
    const { echoCaptureId } = await agent.sink.ingestCapture({
      machine: 'printer-1',
      captureTypeName: 'ultimaker.modeler.log',
      content: JSON.stringify(content),
      contentType: 'application/json',
    });
    ids.push(echoCaptureId);
  }

  await waitFor(() => agent.store.stats.counts().captures.acknowledged === 2, 20_000, 'both acknowledged');
  const state = emulator.state;
  assert.equal(state.captures.size, 2);
  ids.forEach((id, i) => {
    const capture = state.capturesByEchoId.get(id)!;
    assert.equal(capture.status, 'complete');
    assert.equal(capture.uploads, 1, 'uploaded once');
    assert.deepEqual(JSON.parse(capture.content!.toString('utf8')), sent[i]);
    // The upload URL came from a GET of the capture (its content_upload), before the upload.
    const path = new URL(capture.uri).pathname;
    const get = state.requests.findIndex((r) => r.method === 'GET' && r.path === path && r.status === 200);
    const put = state.requests.findIndex(
      (r) => r.method === 'PUT' && r.path === `/upload/${capture.uuid}/` && r.status === 204,
    );
    assert.ok(get >= 0 && put > get, `GET ${path} then the upload (${get}, ${put})`);
  });
  assert.equal(agent.store.stats.counts().captures.dead, 0);
  assert.ok(
    !state.requests.some((r) => r.path.startsWith('/upload/') && r.status === 401),
    'every upload carried the credential',
  );
});

test('the emulator’s upload URL wants the API credential: 401 without it, 404 with a wrong token; a create without X-Upload-Location', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['printer-1'], { omitUploadLocation: true });
  const url = (path: string) => new URL(path, emulator.url).toString();
  const created = await fetch(url('/capture/'), {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({
      modeler: modelers['printer-1'],
      capture_type_name: 'ultimaker.modeler.log',
      printer_names: ['printer-1'],
      meta: { echo_capture_id: '7f3c4a5e-0000-4000-8000-0000000000aa' },
    }),
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('x-upload-location'), null, 'no X-Upload-Location');
  const location = created.headers.get('location')!;
  const capture = (await (await fetch(location, { headers: { authorization: basic } })).json()) as {
    content_upload: string | null;
  };
  const upload = capture.content_upload!;
  assert.match(upload, /\/upload\/[0-9a-f-]{36}\/\?token=/);

  const put = (target: string, headers: Record<string, string>) =>
    fetch(target, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain', ...headers },
      body: 'a log line',
    });
  const anonymous = await put(upload, {});
  assert.equal(anonymous.status, 401);
  assert.match(await anonymous.text(), /not-authenticated/);
  const wrongSecret = await put(upload, {
    authorization: `Basic ${Buffer.from(`${SEED_TOKEN.uuid}:nope`).toString('base64')}`,
  });
  assert.equal(wrongSecret.status, 401);
  await wrongSecret.body?.cancel();
  const wrongToken = await put(upload.replace(/token=.*/, 'token=0000'), { authorization: basic });
  assert.equal(wrongToken.status, 404);
  await wrongToken.body?.cancel();
  assert.equal(emulator.state.captures.get(upload.split('/')[4]!)!.uploads, 0, 'nothing stored yet');

  const ok = await put(upload, { authorization: basic });
  assert.equal(ok.status, 204);
  const after = (await (await fetch(location, { headers: { authorization: basic } })).json()) as {
    status: string;
    content_upload: string | null;
  };
  assert.deepEqual(
    { status: after.status, content_upload: after.content_upload },
    {
      status: 'complete',
      content_upload: null,
    },
  );
});
