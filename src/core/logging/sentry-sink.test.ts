import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SentrySink } from './sentry-sink.ts';

test('only CRITICAL (fatal) lines go to Sentry, with the DSN key and project', async (t) => {
  const received: { url: string; auth: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        auth: String(req.headers['x-sentry-auth']),
        body: JSON.parse(body),
      });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const sink = new SentrySink(`http://publickey@127.0.0.1:${port}/42`, '1.2.3', 'station-7');
  sink.write(JSON.stringify({ level: 50, time: Date.now(), msg: 'an error, not critical' }));
  sink.write(JSON.stringify({ level: 60, time: Date.now(), msg: 'the store cannot be opened' }));
  while (sink.sent + sink.failed < 1) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(received.length, 1);
  assert.equal(received[0]!.url, '/api/42/store/');
  assert.match(received[0]!.auth, /sentry_key=publickey/);
  assert.equal(received[0]!.body.level, 'fatal');
  assert.equal(received[0]!.body.message, 'the store cannot be opened');
  assert.equal(received[0]!.body.server_name, 'station-7');
});

test('a DSN without key or project is refused with a clear message', () => {
  assert.throws(
    () => new SentrySink('https://sentry.example/', '1', 'x'),
    /https:\/\/<key>@<host>\/<project>/,
  );
});
