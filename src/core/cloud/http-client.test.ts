import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { CloudOriginError } from '../../shared/errors.ts';
import { CredentialOrigins } from './credential-origins.ts';
import { CloudHttpClient } from './http-client.ts';

/** A server that answers `{}` (or a redirect to `redirectTo`) and records every request's headers. */
async function recorder(t: TestContext, redirectTo?: string) {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    req.resume();
    if (redirectTo && req.url === '/moved/') res.writeHead(302, { location: redirectTo }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

function quietLogger() {
  const lines: Array<{ level: string; origin: unknown }> = [];
  const log = (level: string) => (fields: object) =>
    lines.push({ level, origin: (fields as { origin?: unknown }).origin });
  return { lines, logger: { info: log('info'), warn: log('warn') } };
}

test('the credential goes to the cloud’s origin and events_url’s only; a foreign API URI is refused, a presigned upload goes without it', async (t) => {
  const foreign = await recorder(t);
  const cloud = await recorder(t, `${foreign.url}redirected/`);
  const events = await recorder(t);
  const { lines, logger } = quietLogger();
  const client = new CloudHttpClient(cloud.url, 5000, new CredentialOrigins([cloud.url, events.url], logger));
  client.auth = { kind: 'token', uuid: 'u', secret: 's' };
  const basic = `Basic ${Buffer.from('u:s').toString('base64')}`;

  await client.send({ method: 'GET', url: 'about/' });
  await client.send({ method: 'GET', url: `${events.url}commands` });
  assert.equal(cloud.seen[0]?.headers.authorization, basic);
  assert.equal(events.seen[0]?.headers.authorization, basic);

  // A modeler type (or capture) URI on another origin: a typed error, nothing sent at all.
  for (let i = 0; i < 3; i++) {
    await assert.rejects(
      client.send({ method: 'GET', url: `${foreign.url}modeler-type/1/?token=x` }),
      (error: unknown) =>
        error instanceof CloudOriginError &&
        error.code === 'ECHO_ERR_CLOUD_FOREIGN_ORIGIN' &&
        error.origin === new URL(foreign.url).origin &&
        !error.message.includes('token=x'),
    );
  }
  assert.equal(foreign.seen.length, 0);

  // A presigned upload URL on another origin is sent, without the credential.
  await client.send({ method: 'PUT', url: `${foreign.url}bucket/1?sig=abc`, body: 'x', presigned: true });
  await client.send({ method: 'PUT', url: `${foreign.url}bucket/2?sig=abc`, body: 'x', presigned: true });
  // On the cloud's own origin an upload URL keeps it.
  await client.send({ method: 'PUT', url: `${cloud.url}upload/1`, body: 'x', presigned: true });
  assert.deepEqual(
    foreign.seen.map((r) => r.headers.authorization),
    [undefined, undefined],
  );
  assert.equal(cloud.seen.at(-1)?.headers.authorization, basic);

  // A redirect to another origin is not followed: fetch would drop the credential but still send
  // the request (a status report, its body) there, and take that server's answer as the cloud's.
  const before = foreign.seen.length;
  await assert.rejects(
    client.send({ method: 'PUT', url: 'moved/', json: { status: 'processing' } }),
    CloudOriginError,
  );
  assert.equal(foreign.seen.length, before, 'nothing reached the other origin');

  // Logged once per origin and kind, not per request.
  const origin = new URL(foreign.url).origin;
  assert.deepEqual(lines, [
    { level: 'warn', origin },
    { level: 'info', origin },
  ]);
});

test('without origins given, the client trusts its base URL’s origin only (the sign-in clients)', async (t) => {
  const cloud = await recorder(t);
  const other = await recorder(t);
  const client = new CloudHttpClient(cloud.url, 5000);
  client.auth = { kind: 'session', cookie: 'session=1' };
  await client.send({ method: 'GET', url: 'sessions/' });
  assert.equal(cloud.seen[0]?.headers.cookie, 'session=1');
  await assert.rejects(client.send({ method: 'GET', url: `${other.url}sessions/` }), CloudOriginError);
  assert.equal(other.seen.length, 0);
});

test('redirects: followed on the cloud’s origin with the credential (send and the events stream), never to another origin, a loop ends', async (t) => {
  const foreign = await recorder(t);
  const seen: Array<{ path: string; authorization?: string }> = [];
  const server = createServer((req, res) => {
    seen.push({
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    req.resume();
    if (req.url === '/hop/') res.writeHead(307, { location: '/here/' }).end();
    else if (req.url === '/away/') res.writeHead(302, { location: `${foreign.url}events` }).end();
    else if (req.url === '/loop/') res.writeHead(302, { location: '/loop/' }).end();
    else res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {}\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const client = new CloudHttpClient(url, 5000);
  client.auth = { kind: 'token', uuid: 'u', secret: 's' };
  const basic = `Basic ${Buffer.from('u:s').toString('base64')}`;
  const stream = { accept: 'text/event-stream', signal: AbortSignal.timeout(5000), connectTimeoutMs: 5000 };

  assert.equal((await client.send({ method: 'GET', url: 'hop/' })).status, 200);
  const body = await client.openStream('hop/', stream);
  assert.equal(await new Response(body as ReadableStream).text(), 'data: {}\n\n');
  assert.deepEqual(
    seen.map((r) => [r.path, r.authorization]),
    [
      ['/hop/', basic],
      ['/here/', basic],
      ['/hop/', basic],
      ['/here/', basic],
    ],
  );
  await assert.rejects(client.openStream('away/', stream), CloudOriginError);
  assert.equal(foreign.seen.length, 0, 'the events stream is never opened on another origin');
  seen.length = 0;
  await assert.rejects(client.openStream('loop/', stream), /is not followed/);
  assert.equal(seen.length, 6, 'the first request and 5 redirects');
});
