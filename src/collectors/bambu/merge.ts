import { CollectorError } from '../sdk/collector-error.ts';

/** Bounds of the merged state: far above a real printer (about 200 fields, 6 levels with AMS). */
export interface MergeLimits {
  maxDepth: number;
  maxFields: number;
}

export const DEFAULT_MERGE_LIMITS: MergeLimits = { maxDepth: 32, maxFields: 10_000 };

/**
 * Merges a partial report into the printer's last known state, the way Bambu's own apps do: a
 * field present replaces the old value, an absent field keeps it, nested objects (AMS, lights)
 * merge, arrays (HMS codes) are replaced whole. Iterative, with a depth limit, and the result's
 * size counted: a printer that sends ever new keys fails its own machine instead of growing the
 * agent's memory without end. `__proto__` keys are dropped (a plain assignment would set the
 * object's prototype).
 */
export function mergeReport(
  state: Record<string, unknown>,
  update: Record<string, unknown>,
  limits: MergeLimits = DEFAULT_MERGE_LIMITS,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...state };
  const work: Array<{ target: Record<string, unknown>; source: Record<string, unknown>; depth: number }> = [
    { target: merged, source: update, depth: 1 },
  ];
  for (let next = work.pop(); next; next = work.pop()) {
    const { target, source, depth } = next;
    if (depth > limits.maxDepth) {
      throw new CollectorError('protocol', `a report is nested deeper than ${limits.maxDepth} levels`);
    }
    for (const key of Object.keys(source)) {
      if (key === '__proto__') continue;
      const value = source[key];
      const old = target[key];
      if (isPlainObject(value) && isPlainObject(old)) {
        const copy = { ...old };
        target[key] = copy;
        work.push({ target: copy, source: value, depth: depth + 1 });
      } else {
        target[key] = value;
      }
    }
  }
  const size = measure(merged, limits.maxFields);
  if (size.depth > limits.maxDepth) {
    throw new CollectorError('protocol', `a report is nested deeper than ${limits.maxDepth} levels`);
  }
  if (size.fields > limits.maxFields) {
    throw new CollectorError(
      'protocol',
      `the printer's reported state grew past ${limits.maxFields} fields; Echo reconnects and starts from a fresh report`,
    );
  }
  return merged;
}

/**
 * Fields in a tree (objects' keys and arrays' items) and its depth, walked iteratively; stops
 * counting past `stopAt`.
 */
export function measure(root: unknown, stopAt: number): { fields: number; depth: number } {
  let fields = 0;
  let depth = 0;
  const work: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  while (work.length > 0) {
    const next = work.pop()!;
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth + 1 > depth) depth = next.depth + 1;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    fields += children.length;
    if (fields > stopAt) break;
    for (const child of children) {
      if (typeof child === 'object' && child !== null) work.push({ value: child, depth: next.depth + 1 });
    }
  }
  return { fields, depth };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
