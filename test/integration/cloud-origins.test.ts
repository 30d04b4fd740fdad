import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  startAgent,
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../helpers/harness.ts';
import { openTestStore } from '../helpers/store.ts';

/**
 * Issue 9: the agent sent its Authorization header to any absolute URL the cloud returned. Here
 * the emulator lists a machine whose modeler type lives on a second server (another origin),
 * which answers a valid type and records whether a credential reached it.
 */
test('a modeler type URI on another origin is not fetched with the credential: that machine is skipped, the others run', async (t) => {
  const received: Array<string | undefined> = [];
  const foreign = createServer((req, res) => {
    received.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        uri: `http://${req.headers.host}${req.url}`,
        capture_types: ['ultimaker.modeler.log'],
      }),
    );
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => foreign.close(() => resolve())));
  const foreignType = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/modeler-type/1/`;

  const { emulator } = await startEmulator(t, []);
  const ownType = emulator.state.addModelerType('Ultimaker S5', ['ultimaker.modeler.log'], 'Ultimaker');
  emulator.state.addModeler({ name: 'elsewhere', type: foreignType, ip_address: '127.0.0.1:1' });
  emulator.state.addModeler({ name: 'at-home', type: ownType.uri, ip_address: '127.0.0.1:1' });

  const agent = await startAgentWithCollectors(t, testConfig(join(tempDir(t), 'data'), emulator.url, {}));
  await waitFor(() => agent.machines().some((m) => m.name === 'at-home'), 15_000, 'the cloud machines');
  assert.deepEqual(received, [], 'the foreign origin received no request, so no credential');
  assert.deepEqual(
    agent.machines().map((m) => m.name),
    ['at-home'],
  );
});

/** A server on another origin that records what reaches it (nothing should). */
async function foreignServer(): Promise<{ url: string; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('a registration answered with a Location on another origin is not saved, and not posted again and again', async (t) => {
  const foreign = await foreignServer();
  // The cloud: its about page, and a POST /ecco/ that names the new installation elsewhere.
  const posts: number[] = [];
  const cloud = createServer((req, res) => {
    req.resume();
    if (req.method === 'GET' && req.url === '/about/') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'a cloud behind another public URL', version: '1' }));
    } else if (req.method === 'POST' && req.url === '/ecco/') {
      posts.push(Date.now());
      res.writeHead(201, { location: `${foreign.url}/ecco/${posts.length}/` });
      res.end();
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'not-found', title: 'Not found' }] }));
    }
  });
  await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
  const cloudUrl = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}/`;

  const base = testConfig(join(tempDir(t), 'data'), cloudUrl, {});
  const agent = await startAgent(t, {
    ...base,
    cloud: { ...base.cloud, bureau: `${cloudUrl}bureau/1/` },
  });
  // Closed after the agent stops (hooks run in the order they were added).
  t.after(() => new Promise<void>((resolve) => cloud.close(() => resolve())));
  t.after(foreign.close);

  await waitFor(() => posts.length > 0, 10_000, 'the registration');
  // Backoff starts at 200 ms here: an agent that posted again on each retry would have made
  // several installations by now.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(posts.length, 1, 'one registration, not one per retry');
  assert.deepEqual(foreign.received, [], 'the foreign Location was never fetched');
  const status = agent.status().cloud;
  assert.equal(status.registered, false);
  assert.equal(status.eccoUri, undefined, 'nothing saved');
  assert.match(status.lastError ?? '', /not the cloud's origin/);
});

test('an installation URI an older Echo saved on another origin is forgotten, not fetched: Echo registers anew', async (t) => {
  const foreign = await foreignServer();
  const { emulator } = await startEmulator(t, []);
  const dir = join(tempDir(t), 'data');
  const store = openTestStore(dir);
  store.stats.setValue('cloud.ecco_uri', `${foreign.url}/ecco/00000000-0000-4000-8000-000000000009/`);
  store.close();

  const agent = await startAgent(t, testConfig(dir, emulator.url, {}));
  t.after(foreign.close);
  await waitFor(() => agent.status().cloud.registered, 15_000, 'the registration');
  assert.ok(agent.status().cloud.eccoUri?.startsWith(emulator.url), agent.status().cloud.eccoUri);
  assert.deepEqual(foreign.received, []);
});
