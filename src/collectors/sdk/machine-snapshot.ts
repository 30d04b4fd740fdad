import { type MachineSnapshot, machineSnapshot } from '../../shared/model/machine-snapshot.ts';

export { type MachineSnapshot, machineSnapshot };

/** A snapshot for a machine Echo cannot reach. */
export function offlineSnapshot(error: string): MachineSnapshot {
  return { state: 'offline', gauges: [], errors: [error] };
}
