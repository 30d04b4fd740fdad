/**
 * A word a machine (or the cloud) sent, looked up in one of a collector's tables. A plain
 * `TABLE[word]` also finds what every object inherits: a printer reporting the state
 * "constructor" would get `Object.prototype.constructor` (a function) where a state word was
 * expected, and the snapshot schema then refuses the whole poll. This answers only the table's
 * own entries; any other key (an inherited name, `__proto__`, undefined, null) is undefined.
 */
export function lookup<K extends PropertyKey, V>(
  table: Readonly<Partial<Record<K, V>>>,
  key: PropertyKey | null | undefined,
): V | undefined {
  if (key === undefined || key === null) return undefined;
  return Object.hasOwn(table, key) ? (table as Readonly<Record<PropertyKey, V>>)[key] : undefined;
}
