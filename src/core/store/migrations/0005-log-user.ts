import type { Database } from 'better-sqlite3';

/**
 * Who was signed in when a log entry was written (the contract's `user_uuid` per entry): kept with
 * the entry, so that a sign-in as another user does not re-attribute the lines written before it.
 * NULL: not known when written (before the credential was read, or by an earlier Echo); such
 * entries carry the user signed in when they are sent.
 */
export function migrate(db: Database): void {
  db.exec('ALTER TABLE log_entries ADD COLUMN user_uuid TEXT');
}
