import type { Database } from 'better-sqlite3';

/**
 * Why a machine failed (`unreachable`, `timeout`, `auth`, `protocol`, `untrusted_certificate`)
 * kept with its status change: an Addiguru installation's `health` in the cloud distinguishes an
 * authentication error from an unreachable hub, which the error text alone cannot say reliably.
 * NULL: connected, or written by an earlier Echo.
 */
export function migrate(db: Database): void {
  db.exec('ALTER TABLE machine_status ADD COLUMN failure TEXT');
}
