import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { cloudCommand } from './cloud-command.ts';

/** What became of one delivered command. */
export type Delivery = 'new' | 'known' | 'not_ours' | 'not_new' | 'invalid';

/** A machine this agent collects and the `/modeler/` URI it reports as. */
export interface CommandTarget {
  machine: string;
  modeler: string;
}

/**
 * Where the events stream and the poll hand their commands: each is checked, kept for one of this
 * agent's machines only (another workstation may serve the others), and written to the store
 * before anything else happens. The store's unique URI makes the stream, the poll and a restart
 * deliver one command once.
 */
export class CommandInbox {
  constructor(
    private readonly deps: {
      store: Store;
      logger: Logger;
      targets(): CommandTarget[];
      /** A new command is in the store. */
      received(): void;
    },
  ) {}

  /** Never throws: whatever the cloud sent, one item cannot stop the others on its page. */
  accept(raw: unknown, via: 'stream' | 'poll'): Delivery {
    const parsed = cloudCommand.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
      return this.acceptInvalid(raw, via, issues);
    }
    const command = parsed.data;
    const target = this.deps.targets().find((t) => sameUri(t.modeler, command.modeler));
    if (!target) return 'not_ours';
    // Only a `new` command is Echo's to start; one the cloud shows in another status was taken
    // (by this agent before a restart, or by another) and is left alone.
    if (command.status !== 'new') return 'not_new';
    return this.store(
      { uri: command.uri, type: command.type, machine: target.machine, modeler: command.modeler },
      // A value JSON cannot write back (nested deeper than the stack) is kept as an invalid
      // payload: the runner then reports the command as `invalid`, never runs it.
      payloadOf(command) ?? unreadable(command.uri, command.modeler, command.type),
      via,
    );
  }

  /**
   * A command that does not match the contract. When it still names its own `uri`, one of this
   * agent's modelers and `status: new`, the cloud expects an answer: it is stored as it came, and
   * the runner rejects it as `invalid` (docs/commands.md), so the cloud hears why instead of
   * seeing it `new` for ever. Anything else cannot be answered and is logged as ignored.
   */
  private acceptInvalid(raw: unknown, via: 'stream' | 'poll', issues: string[]): Delivery {
    const fields =
      typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const { uri, modeler, status, type } = fields;
    const target =
      typeof uri === 'string' && uri !== '' && typeof modeler === 'string' && status === 'new'
        ? this.deps.targets().find((t) => sameUri(t.modeler, modeler))
        : undefined;
    if (!target || typeof uri !== 'string' || typeof modeler !== 'string') {
      this.deps.logger.warn({ via, issues }, 'a command from the cloud does not match the contract; ignored');
      return 'invalid';
    }
    this.deps.logger.warn(
      { via, issues, machine: target.machine, command: uri },
      'a command from the cloud does not match the contract; it is reported as invalid',
    );
    const shownType = typeof type === 'string' && type !== '' ? type.slice(0, 100) : '(none)';
    // Kept as received under `received`, beside what was wrong: JSON text would not keep it invalid
    // (1e999 is written back as null), and the runner must see it as the cloud sent it.
    return this.store(
      { uri, type: shownType, machine: target.machine, modeler },
      payloadOf({ uri, modeler, type: shownType, invalid: issues, received: raw }) ??
        unreadable(uri, modeler, shownType),
      via,
    );
  }

  private store(
    command: { uri: string; type: string; machine: string; modeler: string },
    payload: string,
    via: 'stream' | 'poll',
  ): Delivery {
    const added = this.deps.store.commands.receive({ ...command, payload, via });
    if (!added) return 'known';
    this.deps.logger.info(
      { machine: command.machine, command: command.uri, type: command.type, via },
      'remote command received',
    );
    this.deps.received();
    return 'new';
  }
}

/** The payload as JSON text; undefined when it cannot be written (a stack overflow). */
function payloadOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * A stored payload that names the command and fails the contract on purpose (no `status`); its
 * `invalid` says why, for the runner's answer to the cloud.
 */
function unreadable(
  uri: string,
  modeler: string,
  type: string,
  invalid = ['the command could not be kept as received'],
): string {
  return JSON.stringify({ uri, modeler, type, invalid });
}

/** Two URIs for one resource (the cloud may or may not end them with a slash). */
export function sameUri(a: string, b: string): boolean {
  const strip = (uri: string) => uri.replace(/\/+$/, '');
  return strip(a) === strip(b);
}
