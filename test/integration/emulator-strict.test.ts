import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCloudEmulator } from '../../src/cloud-emulator/server.ts';
import { SEED_TOKEN } from '../helpers/harness.ts';

const basic = `Basic ${Buffer.from(`${SEED_TOKEN.uuid}:${SEED_TOKEN.secret}`).toString('base64')}`;

test('the emulator refuses what the contract forbids: an API token made without a session, an upload without Content-Type, the stream without Accept', async (t) => {
  const emulator = await startCloudEmulator({ seedToken: SEED_TOKEN });
  t.after(() => emulator.close());
  const url = (path: string) => new URL(path, emulator.url).toString();

  const byToken = await fetch(url('/api_tokens/'), {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Echo elsewhere' }),
  });
  assert.equal(byToken.status, 403, 'a token cannot make a token');
  const login = await fetch(url('/sessions/'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'operator', password: 'echo-demo', logon_type: 'password' }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const bySession = await fetch(url('/api_tokens/'), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Echo workstation' }),
  });
  assert.equal(bySession.status, 201);

  const modeler = emulator.state.addModeler({ name: 'p1' }).uri;
  const created = await fetch(url('/capture/'), {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({
      modeler,
      capture_type_name: 'ultimaker.modeler.log',
      printer_names: ['p1'],
      meta: { echo_capture_id: '7f3c4a5e-0000-4000-8000-000000000001' },
    }),
  });
  assert.equal(created.status, 201);
  const upload = created.headers.get('x-upload-location')!;
  const untyped = await fetch(upload, {
    method: 'PUT',
    headers: { authorization: basic },
    body: new Uint8Array([1, 2, 3]),
  });
  assert.equal(untyped.status, 400);
  assert.match(await untyped.text(), /missing-content-type/);
  const typed = await fetch(upload, {
    method: 'PUT',
    headers: { authorization: basic, 'content-type': 'text/plain' },
    body: 'a log line',
  });
  assert.equal(typed.status, 204);

  const stream = await fetch(url('/events/commands'), { headers: { authorization: basic } });
  assert.equal(stream.status, 406);
  await stream.body?.cancel();
});

test('the emulator keeps the command lifecycle: processing first, then complete or error, nothing after', async (t) => {
  const emulator = await startCloudEmulator({ seedToken: SEED_TOKEN });
  t.after(() => emulator.close());
  const modeler = emulator.state.addModeler({ name: 'p1' }).uri;
  const put = async (uri: string, body: Record<string, unknown>) =>
    (
      await fetch(uri, {
        method: 'PUT',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).status;

  const skipped = emulator.sendCommand({ type: 'pause_job', modeler });
  assert.equal(await put(skipped.uri, { status: 'complete', response: '{}' }), 409, 'complete first');
  assert.equal(await put(skipped.uri, { status: 'error', response: '{}' }), 409, 'error first');
  assert.equal(emulator.state.commands.get(skipped.uuid)!.status, 'new');

  const command = emulator.sendCommand({ type: 'pause_job', modeler });
  assert.equal(await put(command.uri, { status: 'processing' }), 204);
  assert.equal(await put(command.uri, { status: 'processing' }), 409, 'processing twice');
  assert.equal(await put(command.uri, { status: 'complete', response: '{"ok":true}' }), 204);
  assert.equal(await put(command.uri, { status: 'error', response: '{}' }), 409, 'after the end');
  assert.deepEqual(
    emulator.state.commandReports.filter((r) => r.uuid === command.uuid).map((r) => r.status),
    ['processing', 'complete'],
  );
});
