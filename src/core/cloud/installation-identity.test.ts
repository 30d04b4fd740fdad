import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import {
  INSTALLATION_FILE,
  type InstallationIdentity,
  InstallationIdentityFile,
} from './installation-identity.ts';

// The module object itself, whose functions a mock may replace (the ESM namespace is read-only).
const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

const identity: InstallationIdentity = {
  ecco_uri: 'https://cloud.example/ecco/6f1c0f5e-0000-4000-8000-000000000001/',
  workstation_name: 'shop-pc-3',
  cloud_url: 'https://cloud.example/',
  registered_at: '2025-03-01T08:00:00.000Z',
  source: 'registered',
};

test('the identity written is the identity read back, in installation.json beside the database, owner-only', (t) => {
  const dir = tempDir(t);
  const file = new InstallationIdentityFile(dir);
  assert.equal(file.path, join(dir, INSTALLATION_FILE));
  assert.deepEqual(file.read(), {}, 'no file: nothing, and no problem');

  assert.equal(file.write(identity), undefined);
  assert.deepEqual(file.read(), { identity });
  assert.deepEqual(JSON.parse(readFileSync(file.path, 'utf8')), identity, 'plain JSON a person can read');
  if (process.platform !== 'win32') assert.equal(statSync(file.path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), [INSTALLATION_FILE], 'no temporary file left');

  const adopted = { ...identity, ecco_uri: 'https://cloud.example/ecco/2/', source: 'adopted' as const };
  assert.equal(file.write(adopted), undefined);
  assert.deepEqual(file.read(), { identity: adopted }, 'replaced');

  assert.equal(file.clear(), undefined);
  assert.equal(existsSync(file.path), false);
  assert.equal(file.clear(), undefined, 'clearing an absent file is no problem');
});

test('a damaged or foreign installation.json is ignored with a reason, never thrown', (t) => {
  const dir = tempDir(t);
  const file = new InstallationIdentityFile(dir);
  const cases: Array<[string, RegExp]> = [
    ['{"ecco_uri": "https://cloud.exa', /not JSON/],
    ['', /not JSON/],
    ['[]', /not an installation identity/],
    [JSON.stringify({ ...identity, ecco_uri: 'not a uri' }), /ecco_uri/],
    [JSON.stringify({ ...identity, source: 'guessed' }), /source/],
    [JSON.stringify({ ecco_uri: identity.ecco_uri }), /workstation_name/],
  ];
  for (const [text, reason] of cases) {
    writeFileSync(file.path, text);
    const read = file.read();
    assert.equal(read.identity, undefined, text);
    assert.match(read.problem ?? '', reason, text);
  }
  // A later field Echo does not know yet is no reason to ignore the file.
  writeFileSync(file.path, JSON.stringify({ ...identity, note: 'from a newer Echo' }));
  assert.deepEqual(file.read(), { identity });
});

test('an installation.json that cannot be read is ignored with the reason', (t) => {
  const dir = tempDir(t);
  const file = new InstallationIdentityFile(dir);
  fs.mkdirSync(file.path); // a folder where the file should be: EISDIR
  const read = file.read();
  assert.equal(read.identity, undefined);
  assert.match(read.problem ?? '', /cannot be read.*EISDIR/);
});

test('a write that fails (disk full, no folder) is returned as a reason, and the old file stays whole', (t) => {
  const dir = tempDir(t);
  const file = new InstallationIdentityFile(dir);
  assert.equal(file.write(identity), undefined);

  const full = mock.method(fs, 'writeFileSync', () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  syncBuiltinESMExports();
  try {
    const problem = file.write({ ...identity, ecco_uri: 'https://cloud.example/ecco/3/' });
    assert.match(problem ?? '', /ENOSPC/);
  } finally {
    full.mock.restore();
    syncBuiltinESMExports();
  }
  assert.deepEqual(file.read(), { identity }, 'the previous identity, not a torn file');

  // data_dir is a file: ENOTDIR (as a share that went away answers ENOENT).
  const notAFolder = join(dir, 'plain-file');
  writeFileSync(notAFolder, 'x');
  const nowhere = new InstallationIdentityFile(notAFolder);
  assert.match(nowhere.write(identity) ?? '', /ENOTDIR/);
  assert.match(nowhere.read().problem ?? '', /ENOTDIR/);
});
