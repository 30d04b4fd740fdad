import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openTestStore } from '../../../../test/helpers/store.ts';
import { tempDir } from '../../../../test/helpers/temp-dir.ts';
import { EchoError } from '../../../shared/errors.ts';
import { migrate as m0001 } from './0001-init.ts';
import { MIGRATIONS } from './index.ts';

test('a store of the first schema is brought up to date at open, its rows kept', (t) => {
  const dir = tempDir(t);
  // The database as the first release wrote it, with one pending capture.
  const old = new Database(join(dir, 'echo.db'));
  old.pragma('journal_mode = WAL');
  m0001(old);
  old.pragma('user_version = 1');
  old
    .prepare(
      `INSERT INTO captures (echo_capture_id, machine, capture_type_name, content, content_type, content_size,
       meta, printer_names, state, captured_at, updated_at)
       VALUES ('00000000-0000-4000-8000-000000000001', 'm1', 'ultimaker.modeler.log', X'78', 'text/plain', 1,
       '{}', '[]', 'pending', 1, 1)`,
    )
    .run();
  old.close();

  const store = openTestStore(dir);
  t.after(() => store.close());
  assert.equal(store.quarantineReports.length, 0, 'an older schema is not damage');
  assert.equal(store.stats.captureBacklog(), 1);
  assert.equal(store.captures.head('m1')?.echoCaptureId, '00000000-0000-4000-8000-000000000001');
  // The new table works.
  store.jobs.start('m1', 'bracket', 10, 'j-1');
  assert.equal(store.jobs.recent('m1', 5)[0]?.name, 'bracket');
  const version = new Database(join(dir, 'echo.db'), { readonly: true });
  t.after(() => version.close());
  assert.equal(version.pragma('user_version', { simple: true }), MIGRATIONS.length);
});

test('a database from a newer Echo (a rollback) is refused in words, not quarantined', (t) => {
  const dir = tempDir(t);
  const newer = new Database(join(dir, 'echo.db'));
  newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  newer.exec('CREATE TABLE future (x INTEGER)');
  newer.close();
  assert.throws(
    () => openTestStore(dir),
    (error: unknown) =>
      error instanceof EchoError &&
      error.code === 'ECHO_ERR_STORE_TOO_NEW' &&
      /newer Echo .*install that version again/.test(error.message),
  );
  assert.equal(existsSync(join(dir, 'quarantine')), false, 'the file stays where it is, untouched');
});
