import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { CloudHttpError } from '../../shared/errors.ts';
import { CloudHttpClient } from './http-client.ts';
import { findOwnInstallation } from './installation-lookup.ts';

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
