import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The machine on whose behalf code runs. Each machine's loop starts inside its scope, and Node
 * carries the scope into everything that loop starts: its sockets' listeners, its timers, its
 * promises. So an exception that escapes a collector anywhere (an MQTT listener, a parser in a
 * socket callback) and a callback that holds the event loop can both be traced to their machine:
 * the crash guard fails that machine alone, the watchdog names it.
 */
export interface MachineScope {
  readonly machine: string;
  /** An error escaped the collector outside a poll: fail the machine, back off, reconnect. */
  fault(error: unknown): void;
  /** This machine's code held the event loop for `ms` in one go. */
  blocked(ms: number): void;
}

const storage = new AsyncLocalStorage<MachineScope>();

export function inMachineScope<T>(scope: MachineScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the code running now; undefined outside every machine (the core's own work). */
export function currentMachineScope(): MachineScope | undefined {
  return storage.getStore();
}
