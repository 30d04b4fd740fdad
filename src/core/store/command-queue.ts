import type { CommandState } from '../../shared/model/commands.ts';
import type { StoreHandle } from './handle.ts';

export type { CommandState };

/** The statuses the cloud knows (`/modeler-command/` `status`), as Echo reports them. */
export type ReportedStatus = 'processing' | 'complete' | 'error';

/** One remote command as the store keeps it: its audit record too. */
export interface StoredCommand {
  id: number;
  uri: string;
  type: string;
  machine: string;
  modeler: string;
  /** The cloud's resource as received (JSON text). */
  payload: string;
  via: 'stream' | 'poll';
  state: CommandState;
  /** The machine's reply (JSON text), sent as the command's `response`. */
  response: string | undefined;
  /** Why it ended as it did, in words (rejected, interrupted, refused by the machine). */
  reason: string | undefined;
  /** The last status the cloud acknowledged. */
  reported: ReportedStatus | undefined;
  receivedAt: number;
  updatedAt: number;
  /** While awaiting confirmation: when it times out. */
  confirmBy: number | undefined;
  /** When the operator confirmed it at the workstation. */
  confirmedAt: number | undefined;
  /** A start_job's file name, once downloaded (what the machine shows the job as). */
  jobFileName: string | undefined;
}

interface CommandRow {
  id: number;
  command_uri: string;
  type: string;
  machine: string;
  modeler: string;
  payload: string;
  via: 'stream' | 'poll';
  state: CommandState;
  response: string | null;
  reason: string | null;
  reported: ReportedStatus | null;
  received_at: number;
  updated_at: number;
  confirm_by: number | null;
  confirmed_at: number | null;
  job_file_name: string | null;
}

/** The status the cloud should end up showing for a local state (undefined: nothing to say yet). */
export function cloudStatusOf(state: CommandState): ReportedStatus | undefined {
  if (state === 'complete') return 'complete';
  if (state === 'error' || state === 'rejected') return 'error';
  if (state === 'processing') return 'processing';
  return undefined;
}

/** Commands kept per machine for the audit (the newest; open ones are never pruned). */
const KEEP_PER_MACHINE = 1000;

/**
 * The commands table. Every transition that decides whether a machine is touched is written with
 * `durably` (fsynced) and guarded by the state it leaves, so that a command is executed at most
 * once whatever is redelivered and whenever the process dies.
 */
export class CommandQueue {
  constructor(
    private readonly handle: StoreHandle,
    private readonly now: () => number,
  ) {}

  /**
   * Keeps a command the first time its URI is seen; false for one already known (the stream and the
   * poll deliver the same command, and the cloud lists it again until it leaves `new`).
   */
  receive(command: {
    uri: string;
    type: string;
    machine: string;
    modeler: string;
    payload: string;
    via: 'stream' | 'poll';
  }): boolean {
    return this.handle.guard(() => {
      let added = false;
      this.handle.durably(() => {
        const at = this.now();
        const result = this.handle
          .stmt(
            `INSERT INTO commands (command_uri, type, machine, modeler, payload, via, state, received_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?) ON CONFLICT (command_uri) DO NOTHING`,
          )
          .run(
            command.uri,
            command.type,
            command.machine,
            command.modeler,
            command.payload,
            command.via,
            at,
            at,
          );
        added = result.changes === 1;
      });
      if (added) this.prune(command.machine);
      return added;
    });
  }

  get(id: number): StoredCommand | undefined {
    const row = this.handle.guard(
      () => this.handle.stmt('SELECT * FROM commands WHERE id = ?').get(id) as CommandRow | undefined,
    );
    return row ? toCommand(row) : undefined;
  }

  /**
   * The oldest command waiting to start (received, or confirmed at the workstation), of a machine
   * not in `busy` (a machine runs one command at a time; machines run theirs side by side).
   */
  nextReceived(busy: readonly string[] = []): StoredCommand | undefined {
    const row = this.handle.guard(
      () =>
        this.handle
          .stmt(
            `SELECT * FROM commands WHERE state = 'received'
               AND machine NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT 1`,
          )
          .get(JSON.stringify(busy)) as CommandRow | undefined,
    );
    return row ? toCommand(row) : undefined;
  }

  /** Commands waiting for the operator, oldest first. */
  awaitingConfirmation(): StoredCommand[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt("SELECT * FROM commands WHERE state = 'awaiting_confirmation' ORDER BY id")
          .all() as CommandRow[]
      ).map(toCommand),
    );
  }

  /**
   * Moves a command from `from` to `to` (fsynced); false when it is no longer in `from` (another
   * path moved it first: the operator refused it while it was being started, say).
   */
  transition(
    id: number,
    from: CommandState,
    to: CommandState,
    detail: { response?: string; reason?: string; confirmBy?: number } = {},
  ): boolean {
    return this.handle.guard(() => {
      let moved = false;
      this.handle.durably(() => {
        const result = this.handle
          .stmt(
            `UPDATE commands SET state = ?, response = COALESCE(?, response), reason = COALESCE(?, reason),
               confirm_by = ?, updated_at = ? WHERE id = ? AND state = ?`,
          )
          .run(
            to,
            detail.response ?? null,
            detail.reason ?? null,
            detail.confirmBy ?? null,
            this.now(),
            id,
            from,
          );
        moved = result.changes === 1;
      });
      return moved;
    });
  }

  /**
   * The operator confirmed a command that awaited it: it goes back to `received`, marked
   * confirmed, and the runner starts it. False when it no longer awaits (timed out, refused).
   */
  confirm(id: number): boolean {
    return this.handle.guard(() => {
      let moved = false;
      this.handle.durably(() => {
        const result = this.handle
          .stmt(
            `UPDATE commands SET state = 'received', confirmed_at = ?, confirm_by = NULL, updated_at = ?
             WHERE id = ? AND state = 'awaiting_confirmation'`,
          )
          .run(this.now(), this.now(), id);
        moved = result.changes === 1;
      });
      return moved;
    });
  }

  /** Keeps a start_job's file name once downloaded (fsynced: it is what proves a start after a crash). */
  noteJobFile(id: number, name: string): void {
    this.handle.guard(() =>
      this.handle.durably(() => {
        this.handle.stmt('UPDATE commands SET job_file_name = ? WHERE id = ?').run(name, id);
      }),
    );
  }

  /** Commands awaiting confirmation whose time ran out at `now`. */
  confirmationsDue(now: number): StoredCommand[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt(
            "SELECT * FROM commands WHERE state = 'awaiting_confirmation' AND confirm_by <= ? ORDER BY id",
          )
          .all(now) as CommandRow[]
      ).map(toCommand),
    );
  }

  /**
   * Every command a process that died left `processing`: it may or may not have reached the
   * machine, so it is never executed again (the runner only starts `received` ones). The caller
   * asks the machine what its state proves, then ends each one (see CommandEngine).
   */
  leftProcessing(): StoredCommand[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt("SELECT * FROM commands WHERE state = 'processing' ORDER BY id")
          .all() as CommandRow[]
      ).map(toCommand),
    );
  }

  /** Commands whose status the cloud has not acknowledged yet, oldest first. */
  unreported(limit = 50): StoredCommand[] {
    return this.handle.guard(() =>
      (
        this.handle
          .stmt(
            `SELECT * FROM commands WHERE state IN ('complete', 'error', 'rejected')
               AND (reported IS NULL OR reported = 'processing') ORDER BY id LIMIT ?`,
          )
          .all(limit) as CommandRow[]
      ).map(toCommand),
    );
  }

  /** The cloud acknowledged `status` (or already showed it, or a later one). */
  markReported(id: number, status: ReportedStatus): void {
    // Fsynced: an acknowledged `processing` is what lets the machine be touched, and after a
    // crash, what tells a command that may have reached it from one that cannot have.
    this.handle.guard(() =>
      this.handle.durably(() => {
        this.handle
          .stmt('UPDATE commands SET reported = ?, updated_at = ? WHERE id = ?')
          .run(status, this.now(), id);
      }),
    );
  }

  /** The audit: a machine's commands (or every machine's), newest first. */
  recent(filter: { machine?: string; limit: number }): StoredCommand[] {
    return this.handle.guard(() => {
      const rows = filter.machine
        ? (this.handle
            .stmt('SELECT * FROM commands WHERE machine = ? ORDER BY id DESC LIMIT ?')
            .all(filter.machine, filter.limit) as CommandRow[])
        : (this.handle
            .stmt('SELECT * FROM commands ORDER BY id DESC LIMIT ?')
            .all(filter.limit) as CommandRow[]);
      return rows.map(toCommand);
    });
  }

  /** How many commands are open (not ended) and how many wait for the cloud to hear their end. */
  counts(): { open: number; awaitingConfirmation: number; unreported: number } {
    return this.handle.guard(() => {
      const row = this.handle
        .stmt(
          `SELECT
             SUM(state IN ('received', 'awaiting_confirmation', 'processing')) AS open,
             SUM(state = 'awaiting_confirmation') AS awaiting,
             SUM(state IN ('complete', 'error', 'rejected') AND (reported IS NULL OR reported = 'processing')) AS unreported
           FROM commands`,
        )
        .get() as { open: number | null; awaiting: number | null; unreported: number | null };
      return {
        open: row.open ?? 0,
        awaitingConfirmation: row.awaiting ?? 0,
        unreported: row.unreported ?? 0,
      };
    });
  }

  private prune(machine: string): void {
    this.handle
      .stmt(
        `DELETE FROM commands WHERE machine = ? AND state IN ('complete', 'error', 'rejected')
           AND reported IN ('complete', 'error')
           AND id < (SELECT id FROM commands WHERE machine = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      )
      .run(machine, machine, KEEP_PER_MACHINE);
  }
}

function toCommand(row: CommandRow): StoredCommand {
  return {
    id: row.id,
    uri: row.command_uri,
    type: row.type,
    machine: row.machine,
    modeler: row.modeler,
    payload: row.payload,
    via: row.via,
    state: row.state,
    response: row.response ?? undefined,
    reason: row.reason ?? undefined,
    reported: row.reported ?? undefined,
    receivedAt: row.received_at,
    updatedAt: row.updated_at,
    confirmBy: row.confirm_by ?? undefined,
    confirmedAt: row.confirmed_at ?? undefined,
    jobFileName: row.job_file_name ?? undefined,
  };
}
