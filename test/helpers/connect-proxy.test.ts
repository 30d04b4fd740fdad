import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fetch, ProxyAgent, request } from 'undici';
import { startConnectProxy } from './connect-proxy.ts';
import { testCa } from './test-ca.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test('the test proxy tunnels HTTPS by CONNECT, asks for its credential with 407, and records what passed', async (t) => {
  const ca = await testCa();
  const origin = createHttpsServer({ key: ca.serverKeyPem, cert: ca.serverCertPem }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello over tls ${req.url}`);
  });
  const port = await listen(origin);
  t.after(() => new Promise<void>((resolve) => origin.close(() => resolve())));
  const proxy = await startConnectProxy({ auth: { username: 'proxy-user', password: 'proxy-pass' } });
  t.after(() => proxy.close());

  const good = new ProxyAgent({
    uri: proxy.url,
    token: basic('proxy-user', 'proxy-pass'),
    requestTls: { ca: ca.caPem },
  });
  t.after(() => good.close());
  const reply = await fetch(`https://127.0.0.1:${port}/a`, { dispatcher: good });
  assert.equal(reply.status, 200);
  assert.equal(await reply.text(), 'hello over tls /a');
  // The tunnel carries `localhost` too (the certificate names both).
  const byName = await fetch(`https://localhost:${port}/b`, { dispatcher: good });
  assert.equal(await byName.text(), 'hello over tls /b');

  // Without a credential, and with a wrong one: 407, and the request never reaches the server.
  // (undici's `request` names the status; its `fetch` only says "fetch failed".)
  for (const token of [undefined, basic('proxy-user', 'wrong')]) {
    const bad = new ProxyAgent({ uri: proxy.url, ...(token ? { token } : {}), requestTls: { ca: ca.caPem } });
    await assert.rejects(
      request(`https://127.0.0.1:${port}/c`, { dispatcher: bad }),
      /Proxy response \(407\)/,
    );
    await bad.close();
  }

  // A tunnel's TLS is end to end: a client that trusts another CA refuses the server.
  const wrongCa = new ProxyAgent({
    uri: proxy.url,
    token: basic('proxy-user', 'proxy-pass'),
    requestTls: { ca: ca.otherCaPem },
  });
  t.after(() => wrongCa.close());
  await assert.rejects(fetch(`https://127.0.0.1:${port}/d`, { dispatcher: wrongCa }), (error: Error) => {
    const cause = (error as { cause?: { code?: string } }).cause;
    assert.match(String(cause?.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    return true;
  });

  const target = `127.0.0.1:${port}`;
  assert.deepEqual(
    proxy.requests.map(({ method, target, authorized, username }) => ({
      method,
      target,
      authorized,
      username,
    })),
    [
      { method: 'CONNECT', target, authorized: true, username: 'proxy-user' },
      { method: 'CONNECT', target: `localhost:${port}`, authorized: true, username: 'proxy-user' },
      { method: 'CONNECT', target, authorized: false, username: undefined },
      { method: 'CONNECT', target, authorized: false, username: 'proxy-user' },
      { method: 'CONNECT', target, authorized: true, username: 'proxy-user' },
    ],
  );
  assert.equal(
    proxy.urlWithCredentials(),
    `http://proxy-user:proxy-pass@127.0.0.1:${proxy.port}`,
    'the URL form HTTPS_PROXY carries',
  );
});

test('the test proxy forwards plain http:// requests with an absolute URI, and close() ends open tunnels', async (t) => {
  const origin = createHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(
      `${req.method} ${req.url} auth=${req.headers.authorization ?? '-'} proxy-auth=${req.headers['proxy-authorization'] ?? '-'}`,
    );
  });
  const port = await listen(origin);
  t.after(() => new Promise<void>((resolve) => origin.close(() => resolve())));
  const proxy = await startConnectProxy({ auth: { username: 'u', password: 'p' } });
  t.after(() => proxy.close());

  const forward = new ProxyAgent({ uri: proxy.url, token: basic('u', 'p'), proxyTunnel: false });
  t.after(() => forward.close());
  const reply = await fetch(`http://127.0.0.1:${port}/x?y=1`, {
    dispatcher: forward,
    headers: { authorization: 'Basic Y2xvdWQ6c2VjcmV0' },
  });
  assert.equal(reply.status, 200);
  // The cloud's credential goes on; the proxy's own does not.
  assert.equal(await reply.text(), 'GET /x?y=1 auth=Basic Y2xvdWQ6c2VjcmV0 proxy-auth=-');

  const anonymous = new ProxyAgent({ uri: proxy.url, proxyTunnel: false });
  t.after(() => anonymous.close());
  // undici refuses a 407 to a forwarded request itself ("Proxy Authentication Required (407)").
  await assert.rejects(request(`http://127.0.0.1:${port}/z`, { dispatcher: anonymous }), /407/);
  // What the proxy answers, as node:http sees it.
  const raw = await new Promise<{ status?: number; challenge?: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: proxy.port, path: `http://127.0.0.1:${port}/z`, agent: false },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode, challenge: res.headers['proxy-authenticate'] });
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(raw, { status: 407, challenge: 'Basic realm="test"' });

  assert.deepEqual(
    proxy.requests.map(({ method, target, authorized }) => ({ method, target, authorized })),
    [
      { method: 'GET', target: `http://127.0.0.1:${port}/x?y=1`, authorized: true },
      { method: 'GET', target: `http://127.0.0.1:${port}/z`, authorized: false },
      { method: 'GET', target: `http://127.0.0.1:${port}/z`, authorized: false },
    ],
  );

  // An open tunnel (a long-lived stream, say) is cut by close().
  const tunnel = new ProxyAgent({ uri: proxy.url, token: basic('u', 'p') });
  t.after(() => tunnel.destroy());
  const hanging = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
  });
  const hangingPort = await listen(hanging);
  t.after(() => {
    hanging.closeAllConnections();
    return new Promise<void>((resolve) => hanging.close(() => resolve()));
  });
  const stream = await fetch(`http://127.0.0.1:${hangingPort}/events`, { dispatcher: tunnel });
  const reader = stream.body!.getReader();
  await reader.read();
  await proxy.close();
  await assert.rejects(async () => {
    for (;;) if ((await reader.read()).done) throw new Error('ended');
  });
});
