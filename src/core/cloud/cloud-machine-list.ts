import type { StoreStats } from '../store/store-stats.ts';

/**
 * Where the list of machines the cloud's `/modeler/` gave is kept (the store's key-value table).
 * The collection's MachineSet reads and writes it; switching clouds forgets it. It lives on the
 * cloud's floor so that the switch need not reach up into collection/.
 */
export const CLOUD_MACHINES_KEY = 'cloud_machines';

/** Forgets the saved list of the cloud's machines (another cloud: its own list comes). */
export function forgetCloudMachines(stats: StoreStats): void {
  stats.setValue(CLOUD_MACHINES_KEY, undefined);
}
