import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { startCloudEmulator } from '../../cloud-emulator/server.ts';
import { CloudHttpError } from '../../shared/errors.ts';
import { CloudHttpClient } from './http-client.ts';
import { findOwnInstallation } from './installation-lookup.ts';
import { MAX_PAGES } from './paging.ts';

/** A cloud whose `GET /ecco/` is `answer`; records the query strings it was asked. */
async function fakeCloud(
  t: TestContext,
  answer: (url: URL, base: string, res: ServerResponse) => void,
): Promise<{ client: CloudHttpClient; base: string; asked: URLSearchParams[] }> {
  const asked: URLSearchParams[] = [];
  let base = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    asked.push(url.searchParams);
    answer(url, base, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { client: new CloudHttpClient(base, 5000), base, asked };
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

test('a cloud that ignores the filters and pages its list: only the one entry of this bureau and name is adopted', async (t) => {
  const { client, base, asked } = await fakeCloud(t, (url, base, res) => {
    const bureau = `${base}bureau/1/`;
    const entries = [
      { uri: `${base}ecco/1/`, bureau, workstation_name: 'shop-pc-2', enabled: true },
      { uri: `${base}ecco/2/`, bureau: `${base}bureau/2/`, workstation_name: 'shop-pc-3' },
      { uri: 'https://elsewhere.example/ecco/3/', bureau, workstation_name: 'shop-pc-3' },
      { uri: 'not a uri', bureau, workstation_name: 'shop-pc-3' },
      { uri: `${base}ecco/4/`, bureau }, // registered by an Echo that did not send its name
      { uri: `${base}ecco/5/`, bureau, workstation_name: 'shop-pc-3', enabled: false },
    ];
    const offset = Number(url.searchParams.get('page[offset]') ?? 0);
    json(res, 200, { resources: entries.slice(offset, offset + 4), total_count: entries.length });
  });
  const found = await findOwnInstallation(client, {
    bureau: `${base}bureau/1/`,
    workstationName: 'shop-pc-3',
  });
  assert.equal(found.kind, 'found');
  assert.equal(found.kind === 'found' && found.uri, `${base}ecco/5/`);
  assert.equal(found.kind === 'found' && found.ecco.enabled, false, 'a disabled one is ours too');
  assert.equal(asked.length, 2, 'two pages');
  assert.equal(asked[0]?.get('filter[workstation_name]'), 'shop-pc-3');
  assert.equal(asked[0]?.get('filter[bureau]'), `${base}bureau/1/`);
  assert.equal(asked[1]?.get('page[offset]'), '4');
});

test('two of the same name are several (named), one on another origin is not counted, none is none', async (t) => {
  let entries: Array<Record<string, unknown>> = [];
  const { client, base } = await fakeCloud(t, (_url, _base, res) => json(res, 200, { resources: entries }));
  const bureau = `${base}bureau/1/`;
  const wanted = { bureau, workstationName: 'shop-pc-3' };
  entries = [
    { uri: `${base}ecco/1/`, bureau, workstation_name: 'shop-pc-3' },
    { uri: `${base}ecco/2/`, bureau, workstation_name: 'shop-pc-3' },
  ];
  assert.deepEqual(await findOwnInstallation(client, wanted), {
    kind: 'several',
    uris: [`${base}ecco/1/`, `${base}ecco/2/`],
    foreign: [],
  });
  entries = [{ uri: 'https://elsewhere.example/ecco/3/', bureau, workstation_name: 'shop-pc-3' }];
  assert.deepEqual(await findOwnInstallation(client, wanted), {
    kind: 'none',
    foreign: ['https://elsewhere.example/ecco/3/'],
  });
});

test('a cloud that cannot list installations (400, 403, 404, an invalid list) is "unavailable"; an outage is thrown', async (t) => {
  let reply: (res: ServerResponse) => void = () => {};
  const { client, base } = await fakeCloud(t, (_url, _base, res) => reply(res));
  const wanted = { bureau: `${base}bureau/1/`, workstationName: 'shop-pc-3' };
  for (const status of [400, 403, 404]) {
    reply = (res) => json(res, status, { errors: [{ code: 'x', title: 'No' }] });
    assert.equal((await findOwnInstallation(client, wanted)).kind, 'unavailable', String(status));
  }
  reply = (res) => json(res, 200, { items: [] });
  assert.equal((await findOwnInstallation(client, wanted)).kind, 'unavailable', 'no resources');
  reply = (res) => json(res, 503, { errors: [{ code: 'busy', title: 'Busy' }] });
  await assert.rejects(findOwnInstallation(client, wanted), (error) => error instanceof CloudHttpError);
});

test('a cloud that drops workstation_name (and ignores its filter): none, and how many of the bureau were listed without it', async (t) => {
  let entries: Array<Record<string, unknown>> = [];
  const { client, base } = await fakeCloud(t, (_url, _base, res) => json(res, 200, { resources: entries }));
  const bureau = `${base}bureau/1/`;
  const wanted = { bureau, workstationName: 'shop-pc-3' };
  entries = [
    { uri: `${base}ecco/1/`, bureau },
    { uri: `${base}ecco/2/`, bureau, workstation_name: null },
    { uri: `${base}ecco/3/`, bureau: `${base}bureau/2/`, workstation_name: 'shop-pc-9' },
  ];
  assert.deepEqual(await findOwnInstallation(client, wanted), { kind: 'none', foreign: [], namesDropped: 2 });
  // One of the bureau carries a name (another PC's): the cloud keeps names, there is just none of this one.
  entries = [
    { uri: `${base}ecco/1/`, bureau },
    { uri: `${base}ecco/2/`, bureau, workstation_name: 'shop-pc-2' },
  ];
  assert.deepEqual(await findOwnInstallation(client, wanted), { kind: 'none', foreign: [] });
  // Nothing listed (a first start, or a cloud that filters on the name): nothing to tell.
  entries = [];
  assert.deepEqual(await findOwnInstallation(client, wanted), { kind: 'none', foreign: [] });
});

test('a bureau list longer than one page (the emulator, filters ignored) is read whole: the installation on page 3 is found', async (t) => {
  const token = { uuid: '00000000-0000-4000-8000-000000000001', secret: 'test-secret' };
  // A cloud that drops workstation_name ignores its filter: every installation of the bureau is listed.
  const emulator = await startCloudEmulator({ seedToken: token, keepsWorkstationName: false });
  t.after(() => emulator.close());
  const bureau = emulator.state.bureauUri;
  const add = (n: number, name: string) => {
    const uri = emulator.state.url(`/ecco/00000000-0000-4000-8000-${String(n).padStart(12, '0')}/`);
    emulator.state.eccos.set(String(n), { uri, bureau, workstation_name: name, enabled: true });
    return uri;
  };
  for (let n = 0; n < 230; n++) add(n, `shop-pc-${n}`);
  const mine = add(230, 'this-pc');
  const client = new CloudHttpClient(emulator.url, 5000);
  client.auth = { kind: 'token', ...token };
  const found = await findOwnInstallation(client, { bureau, workstationName: 'this-pc' });
  assert.equal(found.kind === 'found' && found.uri, mine, JSON.stringify(found));
  const pages = emulator.state.requests.filter((r) => r.method === 'GET' && r.path === '/ecco/');
  assert.equal(pages.length, 3, 'three pages of 100');
});

test('pages without total_count go on while full; a cloud that ignores the offset is asked once more, then the read ends', async (t) => {
  let ignoresOffset = false;
  const { client, base, asked } = await fakeCloud(t, (url, base, res) => {
    const from = ignoresOffset ? 0 : Number(url.searchParams.get('page[offset]'));
    const size = ignoresOffset || from < 100 ? 100 : 60;
    const resources = Array.from({ length: size }, (_, i) => ({
      uri: `${base}ecco/${from + i}/`,
      bureau: `${base}bureau/1/`,
      workstation_name: from + i === 150 || (ignoresOffset && i === 7) ? 'shop-pc-3' : `other-${from + i}`,
    }));
    json(res, 200, { resources });
  });
  const wanted = { bureau: `${base}bureau/1/`, workstationName: 'shop-pc-3' };
  const found = await findOwnInstallation(client, wanted);
  assert.equal(found.kind === 'found' && found.uri, `${base}ecco/150/`);
  assert.deepEqual(
    asked.map((q) => [q.get('page[offset]'), q.get('page[limit]')]),
    [
      ['0', '100'],
      ['100', '100'],
    ],
  );
  asked.length = 0;
  ignoresOffset = true;
  const again = await findOwnInstallation(client, wanted);
  assert.equal(again.kind === 'found' && again.uri, `${base}ecco/7/`);
  assert.equal(asked.length, 2, 'the repeated page brings nothing new: the read ends');
});

test('a list that never ends is cut at MAX_PAGES: the part read answers, marked cut (a new installation would be a duplicate)', async (t) => {
  const { client, base, asked } = await fakeCloud(t, (url, base, res) => {
    const from = Number(url.searchParams.get('page[offset]'));
    const resources = Array.from({ length: 100 }, (_, i) => ({
      uri: `${base}ecco/${from + i}/`,
      bureau: `${base}bureau/1/`,
      workstation_name: from + i === 5 ? 'shop-pc-3' : `other-${from + i}`,
    }));
    json(res, 200, { resources, total_count: 1_000_000 });
  });
  const found = await findOwnInstallation(client, {
    bureau: `${base}bureau/1/`,
    workstationName: 'shop-pc-3',
  });
  assert.deepEqual(found.kind === 'found' && [found.uri, found.cut], [`${base}ecco/5/`, true]);
  assert.equal(asked.length, MAX_PAGES);
});
