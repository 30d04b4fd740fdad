import type { StatusDeltaOf } from '../shared/api/index.ts';

/** What the UI needs of a machine to merge deltas: its name and when it was last heard. */
interface Named {
  name: string;
  live?: { lastSeenAt?: string } | undefined;
}

/**
 * The full status from the previous one and a delta: changed machines are replaced, the others
 * keep their object (only "last heard" is updated on it), so the dashboard sees at once which
 * tiles may need drawing; machines missing from `seen` are gone.
 */
export function mergeDelta<S extends { machines: M[] }, M extends Named>(
  previous: S,
  delta: StatusDeltaOf<S, M>,
): S {
  const changed = new Map(delta.changed.map((m) => [m.name, m]));
  const before = new Map(previous.machines.map((m) => [m.name, m]));
  const machines: M[] = [];
  for (const [name, lastSeenAt] of delta.seen) {
    const fresh = changed.get(name);
    const machine = fresh ?? before.get(name);
    if (!machine) continue;
    if (!fresh && machine.live) {
      if (lastSeenAt === null) delete machine.live.lastSeenAt;
      else machine.live.lastSeenAt = lastSeenAt;
    }
    machines.push(machine);
  }
  const { seen: _seen, changed: _changed, ...rest } = delta;
  return { ...rest, machines } as unknown as S;
}
