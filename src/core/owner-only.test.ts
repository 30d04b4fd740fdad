import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig } from '../../test/helpers/harness.ts';
import { restrictDataDir, restrictToOwner } from './owner-only.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

test('a data_dir that existed already, and its store and secret files, are made owner-only at start', {
  skip: process.platform === 'win32' ? 'POSIX modes' : false,
}, async (t) => {
  const { emulator, modelers } = await startEmulator(t);
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  for (const name of ['secrets.json', 'machines.local.json']) {
    writeFileSync(join(dir, name), name === 'secrets.json' ? '{}' : '[]', { mode: 0o644 });
    chmodSync(join(dir, name), 0o644);
  }
  // A stale endpoint file from a killed agent, world-readable: it is rewritten, not re-created.
  writeFileSync(join(dir, 'api.json'), '{}', { mode: 0o644 });
  chmodSync(join(dir, 'api.json'), 0o644);
  const agent = await startAgent(t, testConfig(dir, emulator.url, modelers));
  await agent.ingestLog({
    source: 'agent',
    level: 'INFO',
    timestamp: new Date().toISOString(),
    message: 'a write, so that the WAL exists',
  });

  assert.equal(modeOf(dir), 0o700, 'data_dir');
  for (const name of [
    'echo.db',
    'echo.db-wal',
    'echo.db-shm',
    'secrets.json',
    'machines.local.json',
    'api.json',
  ]) {
    assert.equal(modeOf(join(dir, name)), 0o600, name);
  }
});

test('a database made by an older Echo (0644) is owner-only once opened, and so are its WAL files', {
  skip: process.platform === 'win32' ? 'POSIX modes' : false,
}, async (t) => {
  const { emulator, modelers } = await startEmulator(t);
  const dir = tempDir(t);
  const first = await startAgent(t, testConfig(dir, emulator.url, modelers));
  await first.stop();
  for (const name of ['echo.db', 'echo.db-wal', 'echo.db-shm']) {
    try {
      chmodSync(join(dir, name), 0o644);
    } catch {
      // The WAL files are gone after a clean close; the database alone is enough.
    }
  }
  await startAgent(t, testConfig(dir, emulator.url, modelers));
  for (const name of ['echo.db', 'echo.db-wal', 'echo.db-shm']) {
    assert.equal(modeOf(join(dir, name)), 0o600, name);
  }
});

test('on Windows chmod is skipped (the folder ACL protects data_dir); a missing file is no error', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'secrets.json');
  writeFileSync(file, '{}');
  chmodSync(file, 0o644);
  assert.equal(restrictToOwner(file, 0o600, 'win32'), false);
  assert.deepEqual(restrictDataDir(dir, 'win32'), []);
  if (process.platform !== 'win32') assert.equal(modeOf(file), 0o644, 'left alone');
  assert.equal(restrictToOwner(join(dir, 'nothing-here'), 0o600, 'linux'), false);
});
