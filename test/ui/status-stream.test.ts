import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentStatus, MachineSummary } from '../../src/core/api/agent-port.ts';
import { StatusDeltas } from '../../src/core/api/status-deltas.ts';
import { mergeDelta } from '../../src/renderer/status-stream.ts';

const machine = (name: string, state: string, lastSeenAt: string): MachineSummary =>
  ({
    name,
    collector: 'ultimaker',
    origin: 'config',
    modeler: undefined,
    status: undefined,
    history: undefined,
    backlog: 0,
    live: {
      snapshot: { state, gauges: [], errors: [] },
      connected: true,
      lastSeenAt,
      lastError: undefined,
      failingSince: undefined,
      polls: Number(lastSeenAt.slice(-3, -1)),
      failures: 0,
      capturesStored: 0,
    },
  }) as MachineSummary;

const status = (machines: MachineSummary[]) => ({ version: '1', machines }) as unknown as AgentStatus;

test('the event stream sends what changed; the UI rebuilds the same status from it', () => {
  const deltas = new StatusDeltas();
  const at = (s: number) => `2026-11-26T00:00:${String(s).padStart(2, '0')}Z`;
  const first = deltas.next(status([machine('42', 'idle', at(1)), machine('a', 'idle', at(1))]));
  assert.equal(first.event, 'status');
  let ui = structuredClone(first.data) as AgentStatus;
  const keep = ui.machines[0];

  // Only "last heard" and poll counts moved: nothing is resent but the seen pairs.
  const quiet = deltas.next(status([machine('42', 'idle', at(2)), machine('a', 'idle', at(2))]));
  assert.equal(quiet.event, 'delta');
  if (quiet.event !== 'delta') return;
  assert.deepEqual(quiet.data.changed, []);
  ui = mergeDelta(ui, quiet.data);
  assert.equal(ui.machines[0], keep, 'an unchanged machine keeps its object (its tile is not redrawn)');
  assert.equal(ui.machines[0]?.live?.lastSeenAt, at(2));

  // A state change, a new machine, one gone; the order is the agent's ("42" stays first).
  const next = [machine('42', 'printing', at(3)), machine('b', 'idle', at(3))];
  const busy = deltas.next(status(next));
  if (busy.event !== 'delta') return assert.fail('a delta');
  assert.deepEqual(
    busy.data.changed.map((m) => m.name),
    ['42', 'b'],
  );
  ui = mergeDelta(ui, busy.data);
  assert.deepEqual(ui.machines, next);
  assert.equal(ui.version, '1');
});

test('a new "Echo was asleep" gap is one top-level change: no machine is resent for it', () => {
  const deltas = new StatusDeltas();
  const at = '2026-11-26T00:00:01Z';
  const machines = () => [machine('a', 'idle', at), machine('b', 'idle', at)];
  const gap = {
    from: '2026-11-26T00:00:02Z',
    to: '2026-11-26T00:00:12Z',
    seconds: 10,
    kind: 'paused' as const,
  };
  let ui = structuredClone(deltas.next({ ...status(machines()), asleep: [] }).data) as AgentStatus;
  const slept = deltas.next({ ...status(machines()), asleep: [gap] });
  if (slept.event !== 'delta') return assert.fail('a delta');
  assert.deepEqual(slept.data.changed, [], 'every machine unchanged');
  ui = mergeDelta(ui, slept.data);
  assert.deepEqual(ui.asleep, [gap]);
});
