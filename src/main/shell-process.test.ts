import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { openSecretStore, SECRETS_KEY_ENV, SECRETS_UNENCRYPTED_ENV } from '../core/index.ts';
import { CoreSupervisor } from './core-supervisor.ts';
import { loadOrCreateSecretsKey, secretsEnv } from './secrets-key.ts';
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

/** A stand-in for safeStorage that seals by XOR, so that the file is visibly not the key. */
function fakeCipher(backend = 'gnome_libsecret') {
  return {
    available: true,
    backend,
    isEncryptionAvailable() {
      return this.available;
    },
    getSelectedStorageBackend() {
      return this.backend;
    },
    encryptString: (plain: string) => Buffer.from(Buffer.from(plain).map((b) => b ^ 0x5a)),
    decryptString: (sealed: Buffer) => Buffer.from(sealed.map((b) => b ^ 0x5a)).toString(),
  };
}

test('the secret store key is made once, kept sealed by the OS cipher, and absent without one', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'secrets.key');
  const cipher = fakeCipher();
  const made = loadOrCreateSecretsKey(path, dir, cipher, 'linux');
  assert.ok('key' in made);
  assert.match(made.key, /^[0-9a-f]{64}$/);
  assert.ok(!readFileSync(path).toString().includes(made.key), 'the file holds the sealed key');
  assert.deepEqual(
    loadOrCreateSecretsKey(path, dir, cipher, 'linux'),
    made,
    'the same key at the next start',
  );
  assert.deepEqual(secretsEnv(made), { [SECRETS_KEY_ENV]: made.key });
  cipher.available = false;
  const none = loadOrCreateSecretsKey(path, dir, cipher, 'linux');
  assert.ok('unencrypted' in none && /no encryption/.test(none.unencrypted));
  assert.ok(existsSync(path), 'a keyring that is not there this session keeps its key for the next');
});

test("Linux's basic_text backend is no encryption: the owner-only file, said so; an old basic_text key is retired", (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'secrets.key');
  const cipher = fakeCipher('basic_text');
  const choice = loadOrCreateSecretsKey(path, dir, cipher, 'linux');
  assert.ok('unencrypted' in choice, 'no key is made');
  assert.match(choice.unencrypted, /basic_text/);
  assert.ok(!existsSync(path));
  const env = secretsEnv(choice);
  assert.deepEqual(Object.keys(env), [SECRETS_UNENCRYPTED_ENV]);
  const store = openSecretStore(dir, env);
  assert.match(store.description, /owner-only file .*not encrypted: no keyring in this Linux session/);

  // Elsewhere the backend is not asked: Windows and macOS keep the key with DPAPI and the Keychain.
  assert.ok('key' in loadOrCreateSecretsKey(join(dir, 'win.key'), dir, fakeCipher('basic_text'), 'win32'));

  // An earlier Echo did not ask for the backend: it sealed a key with basic_text (the stand-in
  // seals alike whatever the backend) and encrypted the store with it. The secrets move to the
  // owner-only file and the key goes.
  const earlierEcho = fakeCipher('gnome_libsecret');
  const old = loadOrCreateSecretsKey(path, dir, earlierEcho, 'linux');
  assert.ok('key' in old);
  openSecretStore(dir, { [SECRETS_KEY_ENV]: old.key }).set('cloud.api_token', 'uuid:kept');
  assert.ok(existsSync(join(dir, 'secrets.enc')));
  assert.ok('unencrypted' in loadOrCreateSecretsKey(path, dir, cipher, 'linux'));
  assert.ok(!existsSync(path), 'the basic_text key is gone');
  assert.ok(!existsSync(join(dir, 'secrets.enc')), 'and so is the file it encrypted');
  assert.equal(openSecretStore(dir, env).get('cloud.api_token'), 'uuid:kept', 'nothing lost');
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
