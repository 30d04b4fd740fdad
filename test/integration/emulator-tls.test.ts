import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent, fetch, ProxyAgent } from 'undici';
import { startConnectProxy } from '../helpers/connect-proxy.ts';
import { SEED_TOKEN, startEmulator } from '../helpers/harness.ts';
import { testCa } from '../helpers/test-ca.ts';

const basic = `Basic ${Buffer.from(`${SEED_TOKEN.uuid}:${SEED_TOKEN.secret}`).toString('base64')}`;

test('the emulator over HTTPS: an https URL, https URIs in its replies, uploads and the events stream over TLS, through a CONNECT proxy too', async (t) => {
  const ca = await testCa();
  const { emulator, modelers } = await startEmulator(t, ['printer-1'], {
    tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
  });
  assert.equal(emulator.url, `https://127.0.0.1:${emulator.port}/`);
  const trusting = new Agent({ connect: { ca: ca.caPem } });
  t.after(() => trusting.close());
  const url = (path: string) => new URL(path, emulator.url).toString();

  const about = await fetch(url('/about/'), { dispatcher: trusting });
  assert.equal(about.status, 200);
  await about.body?.cancel();
  assert.match(modelers['printer-1']!, /^https:\/\/127\.0\.0\.1:\d+\/modeler\//);

  const created = await fetch(url('/capture/'), {
    dispatcher: trusting,
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({
      modeler: modelers['printer-1'],
      capture_type_name: 'ultimaker.modeler.log',
      printer_names: ['printer-1'],
      meta: { echo_capture_id: '7f3c4a5e-0000-4000-8000-0000000000bb' },
    }),
  });
  assert.equal(created.status, 201);
  assert.match(created.headers.get('location')!, /^https:\/\//);
  const upload = created.headers.get('x-upload-location')!;
  assert.match(upload, /^https:\/\/127\.0\.0\.1:\d+\/upload\//);
  const put = await fetch(upload, {
    dispatcher: trusting,
    method: 'PUT',
    headers: { authorization: basic, 'content-type': 'text/plain' },
    body: 'over tls',
  });
  assert.equal(put.status, 204);
  assert.equal([...emulator.state.captures.values()][0]!.content!.toString(), 'over tls');

  // A client that trusts another CA refuses the emulator.
  const wrong = new Agent({ connect: { ca: ca.otherCaPem } });
  t.after(() => wrong.close());
  await assert.rejects(fetch(url('/about/'), { dispatcher: wrong }), (error: Error) => {
    assert.equal((error.cause as { code?: string }).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    return true;
  });

  // Through an authenticating CONNECT proxy: the events stream receives a pushed command.
  const proxy = await startConnectProxy({ auth: { username: 'corp', password: 'pw' } });
  t.after(() => proxy.close());
  const viaProxy = new ProxyAgent({
    uri: proxy.url,
    token: `Basic ${Buffer.from('corp:pw').toString('base64')}`,
    requestTls: { ca: ca.caPem },
  });
  t.after(() => viaProxy.destroy());
  const stream = await fetch(url('/events/commands'), {
    dispatcher: viaProxy,
    headers: { authorization: basic, accept: 'text/event-stream' },
  });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  let text = Buffer.from((await reader.read()).value!).toString();
  assert.match(text, /: connected/);
  emulator.sendCommand({ type: 'pause', modeler: modelers['printer-1']! });
  while (!text.includes('nautilus.command')) text += Buffer.from((await reader.read()).value!).toString();
  await reader.cancel();
  assert.deepEqual(
    proxy.requests.map((r) => [r.method, r.target, r.authorized]),
    [['CONNECT', `127.0.0.1:${emulator.port}`, true]],
  );

  // `down` and back works under TLS as well.
  await emulator.setFaults({ down: true });
  await assert.rejects(fetch(url('/about/'), { dispatcher: new Agent({ connect: { ca: ca.caPem } }) }));
  await emulator.setFaults({ down: false });
  const again = await fetch(url('/about/'), { dispatcher: trusting });
  assert.equal(again.status, 200);
  await again.body?.cancel();
});
