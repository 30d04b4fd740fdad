import type { MachineConfig } from '../shared/config/schema.ts';
import type { AgentStatus, MachineSummary } from './api/agent-port.ts';
import type { CollectionManager } from './collection/collection-manager.ts';
import type { MachineSet } from './collection/machine-set.ts';
import { conditionAlert } from './store/condition-notices.ts';
import type { Store } from './store/store.ts';
import type { StoreAlert } from './store/store-stats.ts';

/** What a status is read from: the agent's parts, read at the moment of the call. */
export interface StatusSources {
  store: Store;
  machineSet: MachineSet;
  machines: readonly MachineConfig[];
  collection: CollectionManager | undefined;
}

/** Why collection is not running, in the order an operator would look: cloud, operator, store. */
export function collectionState(flags: {
  enabledByCloud: boolean;
  pausedByOperator: boolean;
  store: Store;
}): AgentStatus['collection'] {
  if (!flags.enabledByCloud) return 'paused_by_cloud';
  if (flags.pausedByOperator) return 'paused_by_operator';
  if (flags.store.condition.collectionPaused) return 'paused_store_full';
  return 'running';
}

/** Every machine run here, with its stored status, live view, history and backlog. */
export function machineSummaries(sources: StatusSources): MachineSummary[] {
  const { store, machineSet, collection } = sources;
  const statuses = new Map(store.status.latest().map((s) => [s.machine, s]));
  return sources.machines.map((m) => ({
    name: m.name,
    collector: m.collector,
    origin: machineSet.origin(m.name) ?? 'config',
    modeler: m.modeler,
    status: statuses.get(m.name),
    live: collection?.live(m.name),
    history: collection?.history(m.name),
    backlog: store.captures.backlogFor(m.name),
  }));
}

/** The store's condition while it lasts (not stored: see conditionAlert), then the stored alerts. */
export function activeAlerts(store: Store): StoreAlert[] {
  const live = conditionAlert(store.conditionReport);
  let stored: StoreAlert[] = [];
  try {
    stored = store.stats.activeAlerts();
  } catch (error) {
    // An unreadable store must not take the status page with it: the condition says why.
    if (!live) throw error;
  }
  return live ? [live, ...stored] : stored;
}
