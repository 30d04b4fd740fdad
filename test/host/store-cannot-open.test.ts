/**
 * Issue 14: the store cannot be opened at start (the data folder is on a disk mounted read-only).
 * The local API comes up all the same and says why in words; the core starts by itself once the
 * disk is writable, on the same address with the same token, and collects.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentHost } from '../../src/core/agent-host.ts';
import type { AgentStatus } from '../../src/core/api/agent-port.ts';
import { startEmulator, testConfig, waitFor } from '../helpers/harness.ts';
import { mountSmallDisk } from '../helpers/small-disk.ts';
import { openTestStore } from '../helpers/store.ts';

test('a read-only data folder at start: the API is up and says why, and Echo starts by itself when it can write', async (t) => {
  const disk = mountSmallDisk(t, 8);
  disk.readOnly(true);
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const config = testConfig(join(disk.path, 'echo'), emulator.url, modelers, {
    api: { host: '127.0.0.1', port: 0 },
    store: { recheck_interval_s: 1, min_free_mb: 0, reserve_mb: 0 },
  });
  let waiting: { url: string; token: string; message: string } | undefined;
  // Ends the wait if the test fails before the store opens (stop() needs a started host).
  const giveUp = new AbortController();
  t.after(() => giveUp.abort());
  const started = AgentHost.start(() => config, {
    signal: giveUp.signal,
    onFailed: (error) => t.diagnostic(String(error)),
    onWaiting: (api) => {
      waiting = api;
    },
  });
  let host: AgentHost | undefined;
  void started.then((h) => {
    host = h;
  });
  t.after(async () => (await started.catch(() => undefined))?.stop());
  await waitFor(() => waiting !== undefined, 10_000, 'the waiting API');
  // A client whose kept-alive connection was closed by the handover asks once more, as the UI does.
  const ask = async (path: string): Promise<Response> => {
    const request = () =>
      fetch(`${waiting!.url}${path}`, { headers: { authorization: `Bearer ${waiting!.token}` } });
    return request().catch(request);
  };

  const response = await ask('/api/v1/status');
  assert.equal(response.status, 200);
  const status = (await response.json()) as AgentStatus;
  assert.equal(status.store.condition.state, 'unwritable');
  assert.match(
    status.store.condition.message ?? '',
    /cannot be opened \(.* is a read-only file system: .*\)\. Nothing is collected until it opens; Echo tries again every 1 s/,
  );
  assert.equal(status.collection, 'paused_store_full');
  assert.ok(status.alerts.some((a) => a.kind === 'store_unwritable'));
  assert.deepEqual(
    status.machines.map((m) => m.name),
    ['p1'],
  );
  const refused = await ask('/api/v1/logs');
  assert.equal(refused.status, 503, 'what needs the store answers 503 with the reason');
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /cannot be opened/);
  assert.equal(host, undefined, 'the core waits');

  disk.readOnly(false);
  await waitFor(() => host !== undefined, 15_000, 'the core to start once the disk is writable');
  const agent = host!.agent;
  assert.equal(agent.api?.url, waiting!.url, 'the same address');
  assert.equal(agent.api?.token, waiting!.token, 'the same token');
  const now = (await (await ask('/api/v1/status')).json()) as AgentStatus;
  assert.equal(now.store.condition.state, 'ok');
  assert.equal(now.collection, 'running');
});

test('`echo-agent status` on a data folder that turned read-only says why, rather than fail', (t) => {
  const disk = mountSmallDisk(t, 8);
  const dataDir = join(disk.path, 'echo');
  openTestStore(dataDir).close();
  disk.readOnly(true);
  const bin = join(import.meta.dirname, '../../bin/echo-agent.js');
  const run = spawnSync(process.execPath, [bin, 'status', '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(run.status, 3, run.stderr);
  assert.match(
    run.stdout,
    /Echo's store cannot be opened: the store in .* cannot be opened \(.*\)\. An agent running/,
  );
});
