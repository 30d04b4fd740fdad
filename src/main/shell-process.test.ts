import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { CoreSupervisor } from './core-supervisor.ts';
import { loadOrCreateSecretsKey } from './secrets-key.ts';
import { overallState } from './tray-state.ts';
import { updateFeed } from './update-feed.ts';

test('the core is restarted when it dies, with backoff, and given up after repeated quick deaths', async (t) => {
  const script = join(tempDir(t), 'core.mjs');
  writeFileSync(script, 'console.error("config: cloud.url is missing"); process.exit(2);');
  const events: string[] = [];
  let gaveUp: () => void = () => {};
  const done = new Promise<void>((r) => (gaveUp = r));
  const supervisor = new CoreSupervisor(
    () => fork(script, [], { stdio: 'ignore' }),
    {
      started: (n) => events.push(`start ${n}`),
      died: (reason, restartInMs) => {
        events.push(`died ${restartInMs ?? 'final'}`);
        if (restartInMs === undefined) {
          assert.match(reason, /exit code 2/);
          gaveUp();
        }
      },
    },
    () => '',
    50,
  );
  const started = Date.now();
  supervisor.start();
  await done;
  await supervisor.stop();
  assert.deepEqual(events, [
    'start 1',
    'died 50',
    'start 2',
    'died 100',
    'start 3',
    'died 200',
    'start 4',
    'died 400',
    'start 5',
    'died final',
  ]);
  assert.ok(Date.now() - started >= 750, 'backoff between restarts');
});

test('stop ends a running core and no restart follows', async (t) => {
  const script = join(tempDir(t), 'core.mjs');
  writeFileSync(script, 'setInterval(() => {}, 1000);');
  const events: string[] = [];
  const supervisor = new CoreSupervisor(() => fork(script, [], { stdio: 'ignore' }), {
    started: (n) => events.push(`start ${n}`),
    died: () => events.push('died'),
  });
  supervisor.start();
  await new Promise((r) => setTimeout(r, 300));
  await supervisor.stop();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(events, ['start 1']);
});

test('the tray says one word for the agent and why', () => {
  const base = {
    cloud: { reachable: true, auth: 'signed_in', enabled: true, health: { health: 'healthy' } },
    machines: [{ live: { snapshot: { state: 'idle' } } }, { live: { snapshot: { state: 'printing' } } }],
  };
  assert.deepEqual(overallState(base), { state: 'ok', tooltip: 'Echo: all good, 2 machines' });
  assert.equal(overallState(undefined).state, 'offline');
  assert.equal(overallState({ ...base, cloud: { ...base.cloud, auth: 'signed_out' } }).state, 'signed_out');
  assert.equal(overallState({ ...base, cloud: { ...base.cloud, reachable: false } }).state, 'offline');
  assert.deepEqual(overallState({ ...base, machines: [{ live: { snapshot: { state: 'error' } } }] }), {
    state: 'degraded',
    tooltip: 'Echo: 1 machine failing',
  });
});

test('the secret store key is made once, kept sealed by the OS cipher, and absent without one', (t) => {
  const path = join(tempDir(t), 'secrets.key');
  // A stand-in for safeStorage that seals by XOR, so that the file is visibly not the key.
  const cipher = {
    available: true,
    isEncryptionAvailable() {
      return this.available;
    },
    encryptString: (plain: string) => Buffer.from(Buffer.from(plain).map((b) => b ^ 0x5a)),
    decryptString: (sealed: Buffer) => Buffer.from(sealed.map((b) => b ^ 0x5a)).toString(),
  };
  const key = loadOrCreateSecretsKey(path, cipher)!;
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.ok(!readFileSync(path).toString().includes(key), 'the file holds the sealed key');
  assert.equal(loadOrCreateSecretsKey(path, cipher), key, 'the same key at the next start');
  cipher.available = false;
  assert.equal(loadOrCreateSecretsKey(path, cipher), undefined);
});

test('auto-update is off without a feed, and a feed must be https', () => {
  assert.equal(updateFeed({}, undefined), undefined);
  assert.equal(
    updateFeed({ ECHO_UPDATE_URL: 'https://updates.example.com/echo/' }, undefined),
    'https://updates.example.com/echo/',
  );
  assert.equal(
    updateFeed({}, '{"update_url": "https://it.example.com/echo"}'),
    'https://it.example.com/echo',
  );
  assert.throws(
    () => updateFeed({ ECHO_UPDATE_URL: 'http://updates.example.com/' }, undefined),
    /must be https/,
  );
});
