import assert from 'node:assert/strict';
import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readdirSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';

/** Stores `count` captures, concurrently (sharing group commits) or one commit each. */
async function fill(dir: string, count: number, oneCommitEach = false) {
  const store = openTestStore(dir);
  const write = (i: number) =>
    store.ingestCapture({
      machine: `m${i % 3}`,
      captureTypeName: 'eos.modeler.log',
      content: `line ${i} ${'l'.repeat(400)}`,
      contentType: 'text/plain',
    });
  if (oneCommitEach) for (let i = 0; i < count; i++) await write(i);
  else await Promise.all(Array.from({ length: count }, (_, i) => write(i)));
  return store;
}

function overwrite(path: string, offset: number, length: number) {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(length, 0xa5), 0, length, offset);
  closeSync(fd);
}

test('a database with damaged pages is quarantined, its readable rows salvaged, and an alert raised', async (t) => {
  const dir = tempDir(t);
  (await fill(dir, 300)).close();
  const path = join(dir, 'echo.db');
  // Damage two leaf pages of the captures table from the middle of it (found with dbstat, so that
  // a schema change moving pages around cannot make the damage miss the rows).
  const inspect = new Database(path, { readonly: true });
  const leaves = (
    inspect
      .prepare("SELECT pageno FROM dbstat WHERE name = 'captures' AND pagetype = 'leaf' ORDER BY pageno")
      .all() as Array<{ pageno: number }>
  ).map((r) => r.pageno);
  inspect.close();
  const middle = leaves[Math.floor(leaves.length / 2)]!;
  for (const page of [middle, leaves[leaves.indexOf(middle) + 1]!]) overwrite(path, (page - 1) * 4096, 4096);

  const store = openTestStore(dir);
  t.after(() => store.close());
  assert.equal(store.quarantineReports.length, 1);
  const report = store.quarantineReports[0]!;
  assert.ok(existsSync(join(report.quarantinedTo, 'echo.db')), 'the damaged file is kept for inspection');
  const salvaged = report.salvagedRows.captures ?? 0;
  assert.ok(salvaged > 100 && salvaged < 300, `most captures salvaged (${salvaged})`);
  assert.equal(store.stats.captureBacklog(), salvaged);
  const alert = store.stats.activeAlerts().find((a) => a.kind === 'store_quarantine');
  assert.ok(alert, 'an alert is shown by status');
  assert.match(alert.message, /damaged/);
  assert.equal(store.stats.counters().store_quarantines, 1);
  // The salvaged store works as usual.
  await store.ingestCapture({
    machine: 'm0',
    captureTypeName: 'eos.modeler.log',
    content: 'after',
    contentType: 'text/plain',
  });
  assert.equal(store.stats.captureBacklog(), salvaged + 1);
});

test('a file that is not a database at all is quarantined and a fresh store starts', async (t) => {
  const dir = tempDir(t);
  (await fill(dir, 10)).close();
  overwrite(join(dir, 'echo.db'), 0, 100);
  const store = openTestStore(dir);
  t.after(() => store.close());
  assert.equal(store.quarantineReports.length, 1);
  assert.match(store.quarantineReports[0]!.reason, /SQLite header/);
  assert.equal(store.stats.captureBacklog(), 0);
});

test('a truncated WAL is quarantined and the committed frames before the tear are salvaged', async (t) => {
  const dir = tempDir(t);
  // One commit per record, so that the tear cuts off only the last few commits.
  const live = await fill(dir, 50, true);
  // Copy the files while the store is open, as a crash would leave them: database plus WAL.
  const crashed = tempDir(t);
  copyFileSync(join(dir, 'echo.db'), join(crashed, 'echo.db'));
  copyFileSync(join(dir, 'echo.db-wal'), join(crashed, 'echo.db-wal'));
  live.close();
  const walSize = statSync(join(crashed, 'echo.db-wal')).size;
  truncateSync(join(crashed, 'echo.db-wal'), walSize - 1000);

  const store = openTestStore(crashed);
  t.after(() => store.close());
  assert.equal(store.quarantineReports.length, 1);
  assert.match(store.quarantineReports[0]!.reason, /WAL file is truncated/);
  const salvaged = store.stats.captureBacklog();
  assert.ok(salvaged > 0 && salvaged <= 50, `committed records salvaged (${salvaged})`);
  const folder = readdirSync(join(crashed, 'quarantine'));
  assert.equal(folder.length, 1);
  assert.ok(existsSync(join(crashed, 'quarantine', folder[0]!, 'echo.db-wal')), 'the torn WAL is kept');
});

test('damage found at run time is quarantined and salvaged, and the store keeps working', async (t) => {
  const dir = tempDir(t);
  const store = await fill(dir, 1000);
  t.after(() => store.close());
  store.flush();
  const db = store['handle'].db;
  db.pragma('wal_checkpoint(TRUNCATE)');
  // Starve the page cache so that the next read goes to the damaged pages on disk.
  db.pragma('cache_size = 1');
  const path = join(dir, 'echo.db');
  const size = statSync(path).size;
  overwrite(path, Math.floor(size / 3 / 4096) * 4096, 4096 * 4);

  // Listing one machine's captures walks the whole table, through the damaged pages.
  assert.throws(
    () => store.captures.listForMachine('m1', 10_000),
    (e: { code?: string }) => e.code === 'ECHO_ERR_STORE_CORRUPT',
  );
  assert.equal(store.quarantineReports.length, 1);
  const salvaged = store.stats.captureBacklog();
  assert.ok(salvaged > 500 && salvaged < 1000, `rows salvaged (${salvaged})`);
  await store.ingestCapture({
    machine: 'm0',
    captureTypeName: 'eos.modeler.log',
    content: 'after',
    contentType: 'text/plain',
  });
  assert.equal(store.stats.captureBacklog(), salvaged + 1);
  assert.ok(store.stats.activeAlerts().some((a) => a.kind === 'store_quarantine'));
});
