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

  accept(raw: unknown, via: 'stream' | 'poll'): Delivery {
    const parsed = cloudCommand.safeParse(raw);
    if (!parsed.success) {
      this.deps.logger.warn(
        { via, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) },
        'a command from the cloud does not match the contract; ignored',
      );
      return 'invalid';
    }
    const command = parsed.data;
    const target = this.deps.targets().find((t) => sameUri(t.modeler, command.modeler));
    if (!target) return 'not_ours';
    // Only a `new` command is Echo's to start; one the cloud shows in another status was taken
    // (by this agent before a restart, or by another) and is left alone.
    if (command.status !== 'new') return 'not_new';
    const added = this.deps.store.commands.receive({
      uri: command.uri,
      type: command.type,
      machine: target.machine,
      modeler: command.modeler,
      payload: JSON.stringify(command),
      via,
    });
    if (!added) return 'known';
    this.deps.logger.info(
      { machine: target.machine, command: command.uri, type: command.type, via },
      'remote command received',
    );
    this.deps.received();
    return 'new';
  }
}

/** Two URIs for one resource (the cloud may or may not end them with a slash). */
export function sameUri(a: string, b: string): boolean {
  const strip = (uri: string) => uri.replace(/\/+$/, '');
  return strip(a) === strip(b);
}
