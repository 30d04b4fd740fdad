import { startBambuDemo } from './bambu/simulator/demo.ts';
import { startEosConnectDemo } from './eos-connect-v6/simulator/demo.ts';
import { startHaasDemo } from './haas/simulator/demo.ts';
import { startLogFilesDemo } from './log-files/simulator/demo.ts';
import type { DemoMachines } from './sdk/simulator/demo.ts';
import { startSlmDemo } from './slm/simulator/demo.ts';
import { startStratasysDemo } from './stratasys-mtconnect/simulator/demo.ts';
import { startUltimakerDemo } from './ultimaker/simulator/demo.ts';

export type DemoFleet = DemoMachines;

/** Every vendor's demo: a vendor with a simulator adds its line here. */
const DEMOS: ReadonlyArray<() => Promise<DemoMachines>> = [
  startUltimakerDemo,
  startBambuDemo,
  startLogFilesDemo,
  startEosConnectDemo,
  startSlmDemo,
  startHaasDemo,
  startStratasysDemo,
];

/** Starts the simulated machines of `echo-agent demo`, at least one per transport. */
export async function startDemoFleet(): Promise<DemoFleet> {
  const parts = await Promise.all(DEMOS.map((start) => start()));
  return {
    machines: parts.flatMap((p) => p.machines),
    async close() {
      await Promise.all(parts.map((p) => p.close()));
    },
  };
}
