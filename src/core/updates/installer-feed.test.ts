import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { startCloudEmulator } from '../../cloud-emulator/server.ts';
import type { InstallerRecord } from '../../cloud-emulator/state.ts';
import { CloudReplyError } from '../../shared/errors.ts';
import { CloudHttpClient } from '../cloud/http-client.ts';
import { MAX_PAGES } from '../cloud/paging.ts';
import { readInstallers } from './installer-feed.ts';

const TOKEN = { uuid: '00000000-0000-4000-8000-000000000001', secret: 'test-secret' };

function echo(version: string, platform = 'windows'): InstallerRecord {
  return {
    installer: 'Echo',
    platform: platform as InstallerRecord['platform'],
    architecture: 'amd64',
    type: 'exe',
    version,
    content: Buffer.from(`Echo ${version}`),
  };
}

test('an installer list longer than one page is read whole, page[limit] after page[limit]', async (t) => {
  const emulator = await startCloudEmulator({ seedToken: TOKEN });
  t.after(() => emulator.close());
  for (let i = 0; i < 250; i++) emulator.state.installers.push(echo(`1.0.${i}`));
  emulator.state.installers.push(echo('9.9.9', 'mac'));
  const client = new CloudHttpClient(emulator.url, 5000);
  client.auth = { kind: 'token', ...TOKEN };
  const entries = await readInstallers(client, 'windows');
  assert.equal(entries.length, 250);
  assert.deepEqual(
    entries.map((e) => e.version),
    Array.from({ length: 250 }, (_, i) => `1.0.${i}`),
  );
  const pages = emulator.state.requests.filter((r) => r.method === 'GET' && r.path === '/installer/');
  assert.equal(pages.length, 3, 'three pages of 100');
});

test('a server that caps page[limit]: short pages go on while total_count says more', async (t) => {
  const asked: URLSearchParams[] = [];
  const all = Array.from({ length: 7 }, (_, i) => ({ ...echo(`1.0.${i}`), download: 'x' }));
  const base = await listServer(t, (query) => {
    asked.push(query);
    const offset = Number(query.get('page[offset]'));
    return { resources: all.slice(offset, offset + 3), total_count: all.length };
  });
  const entries = await readInstallers(new CloudHttpClient(base, 5000), 'windows');
  assert.equal(entries.length, 7);
  assert.deepEqual(
    asked.map((q) => [q.get('page[offset]'), q.get('page[limit]')]),
    [
      ['0', '100'],
      ['3', '100'],
      ['6', '100'],
    ],
  );
});

test('a list that never ends is cut at MAX_PAGES and fails the read, not taken as the whole feed', async (t) => {
  let asked = 0;
  const base = await listServer(t, (query) => {
    asked++;
    const offset = Number(query.get('page[offset]'));
    const resources = Array.from({ length: 100 }, (_, i) => ({
      ...echo(`1.0.${offset + i}`),
      download: 'x',
    }));
    return { resources }; // full pages and no total_count, for ever
  });
  await assert.rejects(readInstallers(new CloudHttpClient(base, 5000), 'windows'), (error: unknown) => {
    assert.ok(error instanceof CloudReplyError, String(error));
    assert.match(error.message, /did not end/);
    return true;
  });
  assert.equal(asked, MAX_PAGES);
});

/** A plain HTTP server answering `GET /installer/` with `answer(query)`, closed after the test. */
async function listServer(t: TestContext, answer: (query: URLSearchParams) => unknown): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(url.searchParams)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}
