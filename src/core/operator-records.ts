import type { AgentParts } from './agent-wiring.ts';
import type { AgentStatus, CommandRecord, DeadLetter } from './api/agent-port.ts';
import type { StoredCommand } from './store/command-queue.ts';
import type { JobRecord } from './store/job-history.ts';
import type { StoredLog } from './store/types.ts';

/** The parts the operator's records are read from, read at the moment of each call. */
export type OperatorRecordParts = Pick<AgentParts, 'store' | 'sync' | 'logger' | 'commands' | 'jobHistory'>;

/**
 * What the operator reviews and acts on in the store, for the Agent facade: alerts, a machine's
 * jobs and captures, logs, remote commands awaiting an answer, dead letters put back or discarded.
 */
export class OperatorRecords {
  constructor(private readonly parts: OperatorRecordParts) {}

  clearAlert(id: number): boolean {
    const cleared = this.parts.store.stats.clearAlert(id);
    if (cleared) this.parts.logger.info({ alert: id }, 'alert dismissed by the operator');
    return cleared;
  }

  machineJobs(name: string, limit: number): JobRecord[] {
    return this.parts.jobHistory.recent(name, limit);
  }

  /** A machine's recent captures and where each is in its sync (the machine detail screen). */
  machineCaptures(machine: string, limit: number): DeadLetter[] {
    return this.parts.store.captures.listForMachine(machine, limit);
  }

  logs(filter: { limit: number; level?: string; machine?: string; search?: string }): StoredLog[] {
    return this.parts.store.logs.recent(filter);
  }

  commandCounts(): NonNullable<AgentStatus['commands']> {
    const commands = this.parts.store.commands;
    return {
      ...commands.counts(),
      awaiting: commands.awaitingConfirmation().map((c) => ({
        id: c.id,
        machine: c.machine,
        type: c.type,
        ...(c.confirmBy !== undefined ? { confirmBy: new Date(c.confirmBy).toISOString() } : {}),
      })),
    };
  }

  answerCommand(id: number, confirm: boolean): CommandRecord | 'not_found' | 'not_awaiting' {
    const engine = this.parts.commands;
    if (!engine) return 'not_found';
    const answer = engine.answer(id, confirm);
    if (answer === 'not_found' || answer === 'not_awaiting') return answer;
    const command = this.parts.store.commands.get(id);
    return command ? commandRecord(command) : 'not_found';
  }

  commands(filter: { machine?: string; limit: number }): CommandRecord[] {
    return this.parts.store.commands.recent(filter).map(commandRecord);
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.parts.store.captures.listDead(limit);
  }

  retryDeadLetters(kind: 'captures' | 'logs', ids?: number[]): number {
    const { store, sync, logger } = this.parts;
    const count = kind === 'logs' ? store.logs.retryDead() : store.captures.retryDead(ids);
    logger.info({ kind, count }, 'dead-lettered records put back in the queue');
    sync.wake();
    sync.flushLogs();
    return count;
  }

  discardDeadLetters(ids: number[]): number {
    const { store, logger } = this.parts;
    const count = store.captures.discardDead(ids);
    store.stats.increment('captures_discarded', count);
    logger.warn({ count }, 'dead-lettered captures discarded by the operator');
    return count;
  }
}

/** A stored command as the local API shows it. */
function commandRecord(c: StoredCommand): CommandRecord {
  return {
    id: c.id,
    uri: c.uri,
    type: c.type,
    machine: c.machine,
    via: c.via,
    state: c.state,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.response !== undefined ? { response: c.response } : {}),
    ...(c.reported !== undefined ? { reported: c.reported } : {}),
    ...(c.confirmBy !== undefined ? { confirmBy: new Date(c.confirmBy).toISOString() } : {}),
    receivedAt: new Date(c.receivedAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}
