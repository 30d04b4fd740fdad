import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations } from '../src/core/store/migrations/index.ts';
import { Store } from '../src/core/store/store.ts';
import { SCALE, workDir } from './shared.ts';

const content = JSON.stringify({
  state: 'printing',
  progress: 42.5,
  nozzle: 215.2,
  bed: 60.1,
  job: 'bracket-v3',
});

/** Raw better-sqlite3: batched inserts into the same table, 2000 rows per transaction, FULL sync. */
function rawRate(count: number): number {
  const db = new Database(join(workDir('ingest-raw'), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  applyMigrations(db);
  const insert = db.prepare(
    `INSERT INTO captures (echo_capture_id, machine, capture_type_name, content, content_path, content_type,
       content_size, meta, printer_names, state, captured_at, updated_at)
     VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = randomUUID();
      const now = Date.now();
      insert.run(
        id,
        `m${i % 50}`,
        'bambu.modeler.status',
        Buffer.from(content),
        'application/json',
        content.length,
        JSON.stringify({ echo_capture_id: id }),
        '["m"]',
        now,
        now,
      );
    }
  });
  const start = performance.now();
  for (let i = 0; i < count; i += 2000) batch(i, Math.min(count, i + 2000));
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return count / seconds;
}

/** Echo's store: every write awaited until durable, 2000 writers in flight (many collectors). */
async function storeRate(count: number): Promise<number> {
  const store = Store.open({
    dataDir: workDir('ingest-store'),
    maxSizeBytes: 8 * 1024 ** 3,
    whenFull: 'drop_oldest_captures',
    retentionMs: 3600_000,
    inlineMaxBytes: 256 * 1024,
    startupCheckMaxBytes: 0,
    groupCommit: { maxRecords: 2000, maxWaitMs: 4 },
  });
  const start = performance.now();
  let next = 0;
  const writer = async () => {
    while (next < count) {
      const i = next++;
      await store.ingestCapture({
        machine: `m${i % 50}`,
        captureTypeName: 'bambu.modeler.status',
        content,
        contentType: 'application/json',
      });
    }
  };
  await Promise.all(Array.from({ length: 2000 }, writer));
  const seconds = (performance.now() - start) / 1000;
  store.close();
  return count / seconds;
}

export async function benchIngest() {
  const count = Math.max(10_000, Math.round(200_000 * SCALE));
  const raw = rawRate(count);
  const ours = await storeRate(count);
  return { count, raw, ours, ratio: ours / raw };
}
