import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allCollectors } from './all.ts';
import type { CollectorRegistry } from './sdk/registry.ts';
import type { DemoMachines } from './sdk/simulator/demo.ts';

export type DemoFleet = DemoMachines;

/**
 * What a vendor's `simulator/demo.ts` exports: the convention that puts it in `echo-agent demo`
 * without a line here. `conformance.test.ts` checks every demo file against it.
 */
export interface VendorDemo {
  startDemo(): Promise<DemoMachines>;
}

/** Where a collector's demo lives: `src/collectors/<id>/simulator/demo.ts` (the folder is the id). */
export function demoFileOf(collectorId: string): URL {
  return new URL(`./${collectorId}/simulator/demo.ts`, import.meta.url);
}

/**
 * The demos of the registered collectors, in registry order; a collector without a demo file is
 * skipped. The paths are computed at run time: like this file (loaded through
 * `importFromCheckout`), the simulators never reach the bundle.
 */
export async function loadDemos(
  registry: CollectorRegistry = allCollectors(),
): Promise<Array<{ id: string; demo: VendorDemo }>> {
  const found = registry
    .list()
    .map((definition) => ({ id: definition.id, file: demoFileOf(definition.id) }))
    .filter(({ file }) => existsSync(fileURLToPath(file)));
  return Promise.all(
    found.map(async ({ id, file }) => {
      const module = (await import(file.href)) as Partial<VendorDemo>;
      if (typeof module.startDemo !== 'function')
        throw new Error(`${fileURLToPath(file)} must export startDemo(): Promise<DemoMachines>`);
      return { id, demo: module as VendorDemo };
    }),
  );
}

/** Starts the simulated machines of `echo-agent demo`, at least one per transport. */
export async function startDemoFleet(): Promise<DemoFleet> {
  const demos = await loadDemos();
  const parts = await Promise.all(demos.map(({ demo }) => demo.startDemo()));
  return {
    machines: parts.flatMap((p) => p.machines),
    async close() {
      await Promise.all(parts.map((p) => p.close()));
    },
  };
}
