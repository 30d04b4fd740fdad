import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { CloudHttpClient } from './http-client.ts';
import { InstallationIdentityFile } from './installation-identity.ts';
import { InstallationMemory } from './installation-memory.ts';
import { ensureRegistered, type RegistrationInfo } from './registration.ts';

/**
 * A cloud as strict as the contract allows: `POST /ecco/` refuses fields it does not list (such as
 * `workstation_name`) with a 400, `GET /ecco/` lists `listed` (nothing unless told).
 */
async function strictCloud(t: TestContext, listed: (base: string) => unknown[] = () => []) {
  const requests: Array<{ method: string; url: string; body: Record<string, unknown> | undefined }> = [];
  let base = '';
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
      if (req.method === 'POST' && req.url === '/ecco/') {
        if (body && 'workstation_name' in body)
          send(400, { errors: [{ code: 'unknown-field', title: 'workstation_name is not allowed' }] });
        else send(201, {}, { location: `${base}ecco/1/` });
      } else if (req.method === 'GET' && req.url?.startsWith('/ecco/?'))
        send(200, { resources: listed(base) });
      else if (req.method === 'GET' && req.url === '/ecco/1/')
        send(200, { uri: `${base}ecco/1/`, enabled: true });
      else send(404, { errors: [{ code: 'not-found', title: 'Not found' }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  const client = new CloudHttpClient(base, 5000);
  const warnings: string[] = [];
  const logger = { info: () => {}, warn: (_fields: object, message = '') => warnings.push(message) };
  const memory = new InstallationMemory({
    stats: store.stats,
    file: new InstallationIdentityFile(dir),
    cloudUrl: base,
    workstationName: 'shop-pc-3',
    trusts: (uri) => client.trusts(uri),
    now: Date.now,
    logger,
  });
  const info = (adoptByName: boolean): RegistrationInfo => ({
    version: '1.0.0',
    bureau: `${base}bureau/1/`,
    health: 'unknown',
    workstationName: 'shop-pc-3',
    adoptByName,
    now: Date.now,
    logger,
  });
  return { base, client, memory, info, requests, warnings };
}

test('a cloud that refuses workstation_name in POST /ecco/ gets the registration without it, once, and a warning', async (t) => {
  const { base, client, memory, info, requests, warnings } = await strictCloud(t);
  const registered = await ensureRegistered(client, memory, info(true));
  assert.equal(registered.uri, `${base}ecco/1/`);
  const posts = requests.filter((r) => r.method === 'POST');
  assert.equal(posts.length, 2);
  assert.equal(posts[0]?.body?.workstation_name, 'shop-pc-3');
  assert.equal(posts[1]?.body?.workstation_name, undefined);
  assert.ok(
    warnings.some((w) => /workstation_name was refused/.test(w)),
    warnings.join('\n'),
  );
});

test('cloud.adopt_installation_by_name off: no lookup, and POST /ecco/ carries the contract’s fields only', async (t) => {
  const { client, memory, info, requests } = await strictCloud(t);
  await ensureRegistered(client, memory, info(false));
  assert.deepEqual(
    requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
    ['POST /ecco/', 'GET /ecco/1/'],
  );
  assert.deepEqual(Object.keys(requests[0]?.body ?? {}).sort(), [
    'bureau',
    'health',
    'health_check_on',
    'os_architecture',
    'os_name',
    'os_version',
    'version',
  ]);
});

test('the bureau’s installations listed without workstation_name: one warning naming the setting, not one per lookup', async (t) => {
  const { client, memory, info, warnings } = await strictCloud(t, (base) => [
    { uri: `${base}ecco/7/`, bureau: `${base}bureau/1/`, enabled: true },
  ]);
  await ensureRegistered(client, memory, info(true));
  memory.forget(); // lost again: looked up again
  await ensureRegistered(client, memory, info(true));
  const dropped = warnings.filter((w) => /none with a workstation_name/.test(w));
  assert.equal(dropped.length, 1, warnings.join('\n'));
  assert.match(dropped[0]!, /cloud\.adopt_installation_by_name/);
});
