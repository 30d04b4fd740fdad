import type { Database } from 'better-sqlite3';
import { EchoError } from '../../../shared/errors.ts';
import { DATABASE_FILE } from '../../database-file.ts';
import { migrate as m0001 } from './0001-init.ts';
import { migrate as m0002 } from './0002-job-history.ts';
import { migrate as m0003 } from './0003-commands.ts';
import { migrate as m0004 } from './0004-command-job-file.ts';
import { migrate as m0005 } from './0005-log-user.ts';
import { migrate as m0006 } from './0006-status-failure.ts';

/**
 * Numbered migrations, applied in order inside one transaction each; `PRAGMA user_version` records
 * the last one applied. To change the schema, add `000N-what.ts` and append it here: never edit a
 * migration that has shipped.
 */
export const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [m0001, m0002, m0003, m0004, m0005, m0006];

/** Brings a database to the newest schema. Returns the versions applied. */
export function applyMigrations(db: Database): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    // Not damage: a newer Echo wrote it (a rollback). Refuse rather than quarantine and rebuild it.
    throw new EchoError(
      'ECHO_ERR_STORE_TOO_NEW',
      `the local database was written by a newer Echo (schema ${current}, this one knows ${MIGRATIONS.length}): install that version again, or move ${DATABASE_FILE} away to start with an empty store`,
    );
  }
  const applied: number[] = [];
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    const step = MIGRATIONS[version - 1]!;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version}`);
    })();
    applied.push(version);
  }
  return applied;
}
