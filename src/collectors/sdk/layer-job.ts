import type { MachineSnapshot } from './machine-snapshot.ts';

type Job = NonNullable<MachineSnapshot['job']>;

/** A number from a machine value, or undefined (a missing node, an `UNAVAILABLE`, NaN). */
export const numberOf = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** A non-empty string from a machine value, or undefined. */
export const textOf = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The job of a layer-based machine (powder bed, resin): name, layer, layers and the progress they
 * give. Shared by collectors whose machines count layers rather than report a percentage.
 */
export function layerJob(name: string, layer: number | undefined, layers: number | undefined): Job {
  return {
    name,
    ...(layer !== undefined ? { layer: Math.trunc(layer) } : {}),
    ...(layers ? { layers: Math.trunc(layers), progress: Math.min(100, ((layer ?? 0) / layers) * 100) } : {}),
  };
}
