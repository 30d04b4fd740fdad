import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { CollectorError } from './collector-error.ts';
import { HttpPools } from './http-pools.ts';
import { httpRequest } from './http-request.ts';

async function server(
  t: TestContext,
  answer: (headers: IncomingHttpHeaders, res: import('node:http').ServerResponse) => void,
): Promise<string> {
  const http = createServer((req, res) => answer(req.headers, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => http.close(resolve)));
  t.after(() => http.closeAllConnections());
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

function pools(t: TestContext): HttpPools {
  const owned = new HttpPools();
  t.after(() => owned.destroy());
  return owned;
}

/** A body of `bytes` that comes slowly, 64 kB at a time: still being sent when the machine answers. */
function slowBody(bytes: number) {
  return {
    contentType: 'application/octet-stream',
    length: bytes,
    open: () =>
      Readable.from(
        (async function* () {
          for (let sent = 0; sent < bytes; sent += 65_536) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            yield Buffer.alloc(Math.min(65_536, bytes - sent));
          }
        })(),
      ),
  };
}

test('a machine that answers before the whole body is sent (a 401, a refusal): the answer counts', async (t) => {
  const url = await server(t, (_headers, res) => {
    res.writeHead(401, { 'www-authenticate': 'Digest realm="printer", nonce="n1"', connection: 'close' });
    res.end('{"message":"Authorization required."}');
  });
  const reply = await httpRequest('POST', `${url}/print_job`, {
    signal: AbortSignal.timeout(10_000),
    pools: pools(t),
    body: slowBody(32 * 1024 * 1024),
    maxBodyBytes: 1024,
  });
  assert.equal(reply.status, 401);
  assert.equal(reply.headers['www-authenticate'], 'Digest realm="printer", nonce="n1"');
});

test('a body that fails before any answer fails the request as a CollectorError', async (t) => {
  const url = await server(t, () => undefined); // never answers: the body's failure must end it
  const broken = {
    contentType: 'application/octet-stream',
    length: 1_000_000,
    open: () =>
      new Readable({
        read() {
          this.destroy(new Error('the job file could not be read'));
        },
      }),
  };
  await assert.rejects(
    httpRequest('PUT', `${url}/upload`, {
      signal: AbortSignal.timeout(10_000),
      pools: pools(t),
      body: broken,
      maxBodyBytes: 1024,
    }),
    (error) => error instanceof CollectorError,
  );
});

test('a write without a body says Content-Length: 0; a GET says none; an answer past the limit is refused', async (t) => {
  const seen: Array<string | undefined> = [];
  const url = await server(t, (headers, res) => {
    seen.push(headers['content-length']);
    res.end('x'.repeat(4096));
  });
  const options = { signal: AbortSignal.timeout(10_000), pools: pools(t), maxBodyBytes: 8192 };
  await httpRequest('PUT', `${url}/state`, options);
  await httpRequest('GET', `${url}/state`, options);
  assert.deepEqual(seen, ['0', undefined]);
  await assert.rejects(
    httpRequest('GET', `${url}/state`, { ...options, maxBodyBytes: 1024 }),
    (error) => error instanceof CollectorError,
  );
});
