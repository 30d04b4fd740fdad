import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../src/core/store/store.ts';
import { SCALE, startChild, workDir } from './shared.ts';

/** Writes a backlog of ~`bytes` of pending captures into the agent's own schema, fast (no fsync). */
function makeBigBacklog(dataDir: string, bytes: number): number {
  Store.open({
    dataDir,
    maxSizeBytes: 8 * 1024 ** 3,
    whenFull: 'drop_oldest_captures',
    retentionMs: 3600_000,
    inlineMaxBytes: 256 * 1024,
    startupCheckMaxBytes: 0,
    groupCommit: { maxRecords: 1, maxWaitMs: 0 },
  }).close();
  const db = new Database(join(dataDir, 'echo.db'));
  db.pragma('synchronous = OFF');
  const content = Buffer.from(`{"log":"${'x'.repeat(900)}"}`);
  const insert = db.prepare(
    `INSERT INTO captures (echo_capture_id, machine, capture_type_name, content, content_type, content_size, meta,
       printer_names, state, captured_at, updated_at) VALUES (?, ?, 'eos.modeler.log', ?, 'text/plain', ?, ?, '["m"]', 'pending', ?, ?)`,
  );
  const rows = Math.round(bytes / 1100);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = randomUUID();
      insert.run(id, `m${i % 50}`, content, content.length, JSON.stringify({ echo_capture_id: id }), i, i);
    }
  });
  for (let i = 0; i < rows; i += 20_000) batch(i, Math.min(rows, i + 20_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return rows;
}

/** Baseline: open the same file with raw better-sqlite3 and run one indexed query. */
function rawOpenSeconds(dataDir: string): number {
  const start = performance.now();
  const db = new Database(join(dataDir, 'echo.db'));
  db.prepare(`SELECT count(*) FROM captures WHERE state IN ('pending','created','uploaded')`).get();
  db.close();
  return (performance.now() - start) / 1000;
}

export async function benchReady() {
  const target = Math.max(20 * 1024 ** 2, Math.round(1024 ** 3 * SCALE));
  const dataDir = workDir('ready');
  const rows = makeBigBacklog(dataDir, target);
  const size = statSync(join(dataDir, 'echo.db')).size;
  const raw = rawOpenSeconds(dataDir);
  const agent = await startChild('bench-ready-agent.mjs', [dataDir]);
  const result = JSON.parse(agent.first) as { seconds: number; status: number; quarantined: number };
  return { rows, size, raw, ...result };
}
