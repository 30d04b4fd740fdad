import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEmulator, testConfig, waitFor } from '../../../test/helpers/harness.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { Agent } from '../agent.ts';
import {
  openSecretStore,
  SECRETS_KEY_ENV,
  SECRETS_UNENCRYPTED_ENV,
  unsealSecretStore,
} from './encrypted-file-store.ts';

test('with the desktop app key, secrets are encrypted at rest, owner-only, and move over from the plain file', (t) => {
  const dir = tempDir(t);
  const headless = openSecretStore(dir, {});
  headless.set('cloud.api_token', 'uuid:very-secret-token');
  assert.ok(existsSync(join(dir, 'secrets.json')));

  const key = randomBytes(32).toString('hex');
  const desktop = openSecretStore(dir, { [SECRETS_KEY_ENV]: key });
  assert.equal(desktop.get('cloud.api_token'), 'uuid:very-secret-token', 'moved over');
  assert.ok(!existsSync(join(dir, 'secrets.json')), 'the plain file is gone');
  desktop.set('machine-eos', 'eos-password');
  const raw = readFileSync(join(dir, 'secrets.enc'), 'utf8');
  assert.ok(!raw.includes('very-secret-token') && !raw.includes('eos-password'), 'nothing in the clear');
  assert.equal(statSync(join(dir, 'secrets.enc')).mode & 0o777, 0o600);
  assert.match(desktop.description, /encrypted file/);

  const wrong = openSecretStore(dir, { [SECRETS_KEY_ENV]: randomBytes(32).toString('hex') });
  assert.throws(() => wrong.get('cloud.api_token'), /cannot be opened with this key/);
  assert.throws(() => openSecretStore(dir, { [SECRETS_KEY_ENV]: 'short' }), /must be 64 hex characters/);
});

test('without a key from the desktop app, status and the log say why the secret store is not encrypted', async (t) => {
  const { emulator, modelers } = await startEmulator(t);
  const dir = tempDir(t);
  const reason = 'no keyring in this Linux session (Electron would use its built-in basic_text password)';
  const secrets = openSecretStore(dir, { [SECRETS_UNENCRYPTED_ENV]: reason });
  const agent = await Agent.start({ config: testConfig(dir, emulator.url, modelers), secrets });
  t.after(() => agent.stop());
  assert.equal(
    agent.status().store.secretStore,
    `owner-only file ${join(dir, 'secrets.json')}, not encrypted: ${reason}`,
  );
  await waitFor(
    () => readFileSync(join(dir, 'logs', 'echo.log'), 'utf8').includes('could not encrypt the secret store'),
    5000,
    'the warning in the log',
  );
});

test('a plain secrets.json found next to secrets.enc is newer (a session without keyring, a CLI login): its entries win', (t) => {
  const dir = tempDir(t);
  const key = randomBytes(32).toString('hex');
  const desktop = openSecretStore(dir, { [SECRETS_KEY_ENV]: key });
  desktop.set('cloud.api_token', 'uuid:old-token');
  desktop.set('machine-eos', 'eos-password');
  // `echo-agent login` (no key in its environment) after the desktop app ran.
  openSecretStore(dir, {}).set('cloud.api_token', 'uuid:new-token');

  const reopened = openSecretStore(dir, { [SECRETS_KEY_ENV]: key });
  assert.equal(reopened.get('cloud.api_token'), 'uuid:new-token', 'the later sign-in');
  assert.equal(reopened.get('machine-eos'), 'eos-password', 'the rest kept');
  assert.ok(!existsSync(join(dir, 'secrets.json')));

  // The way back (a basic_text key retired): there the plain file is the newer one, and keeps its.
  openSecretStore(dir, {}).set('cloud.api_token', 'uuid:newest-token');
  unsealSecretStore(dir, key);
  const plain = openSecretStore(dir, {});
  assert.equal(plain.get('cloud.api_token'), 'uuid:newest-token');
  assert.equal(plain.get('machine-eos'), 'eos-password');
  assert.ok(!existsSync(join(dir, 'secrets.enc')));
});
