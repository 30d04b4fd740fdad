import type { StoreHandle } from './handle.ts';
import type { StoredMachineStatus } from './types.ts';

interface StatusRow {
  id: number;
  machine: string;
  state: string;
  connected: number;
  error: string | null;
  observed_at: number;
  failure?: string | null;
}

/** Machine status changes: the newest per machine is what the cloud needs to hear. */
export class StatusQueue {
  constructor(private readonly handle: StoreHandle) {}

  /** The newest unreported change of each machine. */
  unreported(): StoredMachineStatus[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt(
            `SELECT s.* FROM machine_status s
             JOIN (SELECT machine, max(id) AS id FROM machine_status WHERE reported = 0 GROUP BY machine) n
             ON s.id = n.id ORDER BY s.id`,
          )
          .all() as StatusRow[]
      ).map(toStatus),
    );
  }

  /** Marks a machine's changes up to `id` as reported (older ones are superseded by it). */
  markReported(machine: string, uptoId: number): void {
    this.handle.guard(() =>
      this.handle
        .stmt(`UPDATE machine_status SET reported = 1 WHERE machine = ? AND id <= ? AND reported = 0`)
        .run(machine, uptoId),
    );
  }

  /** The last known status of every machine. */
  latest(): StoredMachineStatus[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt(
            `SELECT s.* FROM machine_status s
             JOIN (SELECT machine, max(id) AS id FROM machine_status GROUP BY machine) n ON s.id = n.id
             ORDER BY s.machine`,
          )
          .all() as StatusRow[]
      ).map(toStatus),
    );
  }
}

function toStatus(row: StatusRow): StoredMachineStatus {
  return {
    id: row.id,
    machine: row.machine,
    state: row.state,
    connected: row.connected === 1,
    error: row.error,
    failure: row.failure ?? null,
    observedAt: row.observed_at,
  };
}
