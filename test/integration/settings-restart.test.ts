import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentHost } from '../../src/core/agent-host.ts';
import { withLocalSettings } from '../../src/core/config/local-settings.ts';
import { startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

interface Settings {
  intervals: { health: number };
  log: { level: string };
  editable: { sources: Record<string, string> };
  restartable: boolean;
}

test('settings changed through the API are kept and applied by a restart on the same address and token', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const dir = tempDir(t);
  const base = testConfig(dir, emulator.url, modelers);
  const failures: unknown[] = [];
  const host = await AgentHost.start(() => withLocalSettings(base, {}), {
    onFailed: (error) => failures.push(error),
  });
  t.after(() => host.stop());
  const first = host.agent;
  const { url, token } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  // A restart closes the old server's keep-alive sockets; a client may try a closed one once
  // (browsers retry such a request by themselves).
  const call = (method: string, path: string, body?: unknown) =>
    send(method, path, body).catch(() => send(method, path, body));

  const before = (await (await call('GET', '/api/v1/settings')).json()) as Settings;
  assert.equal(before.intervals.health, 5);
  assert.equal(before.restartable, true);
  assert.equal(before.editable.sources['intervals.health'], 'config');

  const refused = await call('PUT', '/api/v1/settings', { intervals: { health: 0 } });
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /intervals\.health/);
  assert.equal(host.agent, first, 'a refused change does not restart anything');

  const saved = await call('PUT', '/api/v1/settings', {
    intervals: { health: 120 },
    log: { level: 'debug' },
  });
  assert.equal(saved.status, 200);
  assert.deepEqual(await saved.json(), { saved: true, restarting: true });
  await waitFor(() => host.restarts === 1, 10_000);
  assert.notEqual(host.agent, first);
  assert.equal(host.agent.config.intervals.health, 120);
  assert.equal(host.agent.config.log.level, 'debug');

  // The same address and token: an open UI and the desktop shell keep working.
  const after = (await (await call('GET', '/api/v1/settings')).json()) as Settings;
  assert.equal(after.intervals.health, 120);
  assert.equal(after.editable.sources['intervals.health'], 'app');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'settings.local.json'), 'utf8')), {
    intervals: { health: 120 },
    log: { level: 'debug' },
  });

  // Reset one back to the config file's value.
  await call('PUT', '/api/v1/settings', { intervals: { health: null } });
  await waitFor(() => host.restarts === 2, 10_000);
  assert.equal(host.agent.config.intervals.health, 5);
  assert.equal(host.agent.config.log.level, 'debug');
  assert.deepEqual(failures, []);
});

test('a restart keeps the running core when the configuration no longer loads, and reports a core that cannot start', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const dir = tempDir(t);
  const base = testConfig(dir, emulator.url, modelers);
  let broken: 'load' | 'start' | undefined;
  const failures: unknown[] = [];
  writeFileSync(join(dir, 'a-file'), 'not a folder');
  const host = await AgentHost.start(
    () => {
      if (broken === 'load') throw new Error('the file was edited into something invalid');
      // A data folder that is a file: the store cannot open, the core cannot start.
      return broken === 'start' ? { ...base, data_dir: join(dir, 'a-file') } : base;
    },
    { onFailed: (error) => failures.push(error) },
  );
  t.after(() => host.stop());
  const first = host.agent;

  broken = 'load';
  await host.restart('test');
  assert.equal(host.agent, first, 'still the same core');
  assert.equal(host.restarts, 0);
  assert.equal(host.agent.ready(), true);

  broken = 'start';
  await assert.rejects(host.restart('test'));
  assert.equal(failures.length, 1, 'the shell is told (the CLI exits and is restarted by its supervisor)');
  await host.restart('again'); // nothing more happens once failed
  assert.equal(failures.length, 1);
});
