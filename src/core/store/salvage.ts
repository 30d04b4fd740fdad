import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';

/** What a quarantine did, kept as an alert and shown by `status`. */
export interface QuarantineReport {
  reason: string;
  quarantinedTo: string;
  salvagedRows: Record<string, number>;
  lostRows: number;
  at: string;
}

/** Tables copied from a damaged database, in an order that keeps meaning (settings first). */
const SALVAGE_TABLES = [
  'kv',
  'counters',
  'captures',
  'log_entries',
  'machine_status',
  'health_reports',
  'commands',
  'alerts',
  'jobs',
] as const;
const CHUNK = 500;

/**
 * Moves a damaged database (and its WAL and shared-memory files) aside into
 * `<dir>/quarantine/<timestamp>/`, untouched for forensics. Returns the folder.
 */
export function quarantineFiles(path: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = join(dirname(path), 'quarantine', stamp);
  mkdirSync(target, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, join(target, basename(path) + suffix));
  }
  return target;
}

/**
 * Copies every readable row of the quarantined database into `freshDb` (already migrated). It reads
 * a working copy, so that SQLite's own recovery (replaying the valid part of a WAL) never alters the
 * quarantined originals. Rows in damaged pages are skipped and counted.
 */
export function salvageInto(
  freshDb: Database.Database,
  quarantineDir: string,
  fileName: string,
): {
  salvagedRows: Record<string, number>;
  lostRows: number;
} {
  const salvagedRows: Record<string, number> = {};
  let lostRows = 0;
  const original = join(quarantineDir, fileName);
  if (!existsSync(original)) return { salvagedRows, lostRows };
  const work = join(quarantineDir, `salvage-work-${fileName}`);
  copyFileSync(original, work);
  if (existsSync(`${original}-wal`)) copyFileSync(`${original}-wal`, `${work}-wal`);
  let old: Database.Database | undefined;
  try {
    old = new Database(work, { fileMustExist: true });
    for (const table of SALVAGE_TABLES) {
      const result = copyTable(old, freshDb, table);
      salvagedRows[table] = result.copied;
      lostRows += result.lost;
    }
  } catch {
    // The file is unreadable as a whole (no header, no schema): nothing more can be salvaged, and
    // the originals stay in quarantine for a person to look at.
  } finally {
    old?.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(work + suffix, { force: true });
  }
  return { salvagedRows, lostRows };
}

function copyTable(
  from: Database.Database,
  to: Database.Database,
  table: string,
): { copied: number; lost: number } {
  let columns: string[];
  try {
    const source = new Set((from.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    columns = (to.pragma(`table_info(${table})`) as { name: string }[])
      .map((c) => c.name)
      .filter((name) => source.has(name));
  } catch {
    return { copied: 0, lost: 0 };
  }
  if (columns.length === 0) return { copied: 0, lost: 0 };
  const list = columns.join(', ');
  const insert = to.prepare(
    `INSERT OR IGNORE INTO ${table} (${list}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  const page = from.prepare(
    `SELECT ${list}, rowid AS _rowid FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  const one = from.prepare(`SELECT ${list} FROM ${table} WHERE rowid = ?`);
  let maxRowid = Number.MAX_SAFE_INTEGER;
  try {
    maxRowid = (from.prepare(`SELECT max(rowid) AS m FROM ${table}`).get() as { m: number | null }).m ?? 0;
  } catch {
    // Unknown extent: the scan below stops after a long run of unreadable chunks instead.
  }
  let copied = 0;
  let lost = 0;
  let after = 0;
  let failedChunks = 0;
  const write = to.transaction((rows: Record<string, unknown>[]) => {
    for (const row of rows) insert.run(columns.map((c) => row[c]));
  });
  while (after < maxRowid && failedChunks < 1000) {
    try {
      const rows = page.all(after, CHUNK) as Array<Record<string, unknown> & { _rowid: number }>;
      if (rows.length === 0) break;
      write(rows);
      copied += rows.length;
      after = rows[rows.length - 1]!._rowid;
      failedChunks = 0;
    } catch {
      // A damaged page in this range: read it row by row and skip what cannot be read.
      const rows: Record<string, unknown>[] = [];
      for (let rowid = after + 1; rowid <= after + CHUNK; rowid++) {
        try {
          const row = one.get(rowid) as Record<string, unknown> | undefined;
          if (row) rows.push(row);
        } catch {
          lost++;
        }
      }
      write(rows);
      copied += rows.length;
      after += CHUNK;
      failedChunks++;
    }
  }
  return { copied, lost };
}
