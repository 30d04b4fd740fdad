import type { StatusDelta } from '../../shared/api/index.ts';
import type { AgentStatus, MachineSummary } from './agent-port.ts';

/** What a status event carries of a machine besides its poll bookkeeping (not shown anywhere). */
function comparable(machine: MachineSummary): string {
  if (!machine.live) return JSON.stringify(machine);
  const { lastSeenAt: _seen, polls: _polls, capturesStored: _stored, ...live } = machine.live;
  return JSON.stringify({ ...machine, live });
}

/**
 * One event stream's memory of what its client has: with 500 machines polled every second, a
 * full status is ~400 kB a second to send, parse and compare in the browser; a delta is the
 * machines that changed plus a small `seen` map.
 */
export class StatusDeltas {
  private readonly sent = new Map<string, string>();
  private started = false;

  next(status: AgentStatus): { event: 'status'; data: AgentStatus } | { event: 'delta'; data: StatusDelta } {
    const { machines, ...rest } = status;
    const changed: MachineSummary[] = [];
    const seen: StatusDelta['seen'] = [];
    const names = new Set<string>();
    for (const machine of machines) {
      names.add(machine.name);
      seen.push([machine.name, machine.live?.lastSeenAt ?? null]);
      const key = comparable(machine);
      if (this.sent.get(machine.name) !== key) {
        this.sent.set(machine.name, key);
        changed.push(machine);
      }
    }
    for (const name of this.sent.keys()) if (!names.has(name)) this.sent.delete(name);
    if (!this.started) {
      this.started = true;
      return { event: 'status', data: status };
    }
    return { event: 'delta', data: { ...rest, seen, changed } };
  }
}
