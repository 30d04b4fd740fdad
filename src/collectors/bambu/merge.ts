/**
 * Merges a partial report into the printer's last known state, the way Bambu's own apps do: a
 * field present replaces the old value, an absent field keeps it, nested objects (AMS, lights)
 * merge recursively, arrays (HMS codes) are replaced whole.
 */
export function mergeReport(
  state: Record<string, unknown>,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...state };
  for (const [key, value] of Object.entries(update)) {
    const old = merged[key];
    merged[key] = isPlainObject(value) && isPlainObject(old) ? mergeReport(old, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
