import assert from 'node:assert/strict';
import { chmodSync, existsSync, type PathLike, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../../test/helpers/harness.ts';
import { restrictDataDir, restrictToOwner, writeOwnerOnlyAtomic } from './owner-only.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;
// The module object itself, whose functions a mock may replace (the ESM namespace is read-only).
const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

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
  await agent.sink.ingestLog({
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
  assert.equal(restrictToOwner(file, 0o600, 'win32'), undefined);
  assert.deepEqual(restrictDataDir(dir, 'win32'), []);
  if (process.platform !== 'win32') assert.equal(modeOf(file), 0o644, 'left alone');
  assert.equal(restrictToOwner(join(dir, 'nothing-here'), 0o600, 'linux'), undefined);
});

/** Makes `fs.<name>` (and the `node:fs` named export) fail with `code`; returns the undo. */
function failing(name: 'chmodSync' | 'fsyncSync', code: string): () => void {
  const mocked = mock.method(fs, name, (path: PathLike | number) => {
    // A missing file stays ENOENT, as chmod says first.
    const missing = typeof path !== 'number' && !existsSync(path);
    throw Object.assign(new Error(`${missing ? 'ENOENT' : code}: simulated`), {
      code: missing ? 'ENOENT' : code,
    });
  });
  syncBuiltinESMExports();
  return () => {
    mocked.mock.restore();
    syncBuiltinESMExports();
  };
}

test('a chmod refused for any reason but a missing file (EACCES, EINVAL on FUSE) is reported, not thrown', async (t) => {
  const { emulator, modelers } = await startEmulator(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'secrets.json'), '{}');
  for (const code of ['EACCES', 'EINVAL']) {
    const undo = failing('chmodSync', code);
    try {
      assert.deepEqual(restrictDataDir(dir, 'linux'), [
        { path: dir, reason: code },
        { path: join(dir, 'secrets.json'), reason: code },
      ]);
    } finally {
      undo();
    }
  }
  // docs/security.md: a warning, and the agent runs on (the store opens, too).
  t.after(failing('chmodSync', 'EACCES'));
  const agent = await startAgent(t, testConfig(dir, emulator.url, modelers));
  assert.equal(agent.ready(), true);
  await waitFor(
    () =>
      readFileSync(join(dir, 'logs', 'echo.log'), 'utf8').includes('could not be made readable by its owner'),
    5000,
    'the warning in the log',
  );
});

test('writeOwnerOnlyAtomic: owner-only even over a stale temporary file, and a failed write leaves the old file', {
  skip: process.platform === 'win32' ? 'POSIX modes' : false,
}, (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'machines.local.json');
  writeFileSync(`${file}.tmp`, 'left by a crash', { mode: 0o644 });
  chmodSync(`${file}.tmp`, 0o644);
  writeOwnerOnlyAtomic(file, '["old"]');
  assert.equal(readFileSync(file, 'utf8'), '["old"]');
  assert.equal(modeOf(file), 0o600);
  assert.equal(existsSync(`${file}.tmp`), false);

  t.after(failing('fsyncSync', 'EIO'));
  assert.throws(() => writeOwnerOnlyAtomic(file, '["new"]'), /EIO/);
  assert.equal(readFileSync(file, 'utf8'), '["old"]', 'the old content, whole');
});
