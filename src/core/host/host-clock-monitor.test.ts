import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../clock.ts';
import { type ClockJump, HostClockMonitor, type SleepGap } from './host-clock-monitor.ts';
import type { HostProbe } from './host-probe.ts';

const TICK_MS = 500;

/** Every clock of a pretend host, moved by hand. */
function fakeHost() {
  const t = { wall: Date.parse('2025-03-01T08:00:00Z'), mono: 0, real: 0, boot: 3_600_000, cpu: 0 };
  const clock: Clock = { now: () => t.wall, monotonic: () => t.mono, sleep: () => Promise.resolve() };
  const probe: HostProbe = { realMs: () => t.real, bootMs: () => t.boot, cpuMs: () => t.cpu };
  const jumps: ClockJump[] = [];
  const gaps: SleepGap[] = [];
  const monitor = new HostClockMonitor(
    clock,
    { jumped: (jump) => jumps.push(jump), asleep: (gap) => gaps.push(gap) },
    { asleepAfterMs: 5000, tickMs: TICK_MS, probe },
  );
  return {
    t,
    monitor,
    jumps,
    gaps,
    /** Echo runs for `ms`, using `cpuShare` of a core, looked at every tick. */
    run(ms: number, cpuShare = 0.05) {
      for (let done = 0; done < ms; done += TICK_MS) {
        t.wall += TICK_MS;
        t.mono += TICK_MS;
        t.real += TICK_MS;
        t.boot += TICK_MS;
        t.cpu += TICK_MS * cpuShare;
        monitor.check();
      }
    },
    /** The process is stopped (SIGSTOP): every clock but its CPU time moves; no look meanwhile. */
    pause(ms: number) {
      t.wall += ms;
      t.mono += ms;
      t.real += ms;
      t.boot += ms;
    },
    /** The event loop is held by busy code: as a pause, but burning CPU. */
    busy(ms: number) {
      t.wall += ms;
      t.mono += ms;
      t.real += ms;
      t.boot += ms;
      t.cpu += ms;
    },
    /** The PC is suspended: the monotonic clocks stop, the wall clock and boot time do not. */
    suspend(ms: number) {
      t.wall += ms;
      t.boot += ms;
    },
  };
}

test('a wall-clock step forwards or backwards is seen once, with its size; NTP-sized drift is not', () => {
  const host = fakeHost();
  host.run(2000);
  host.t.wall += 3_600_000;
  host.run(2000);
  host.t.wall -= 7_200_000;
  host.run(2000);
  host.t.wall += 300; // a small step: NTP territory, nothing Echo shows changes
  host.run(2000);
  assert.deepEqual(
    host.jumps.map((j) => j.ms),
    [3_600_000, -7_200_000],
  );
  assert.equal(host.jumps[0]!.to - host.jumps[0]!.from, 3_600_000);
  assert.equal(host.gaps.length, 0, 'a jump is no sleep');
});

test('a stopped process is a sleep once it was gone as long as asleep_after; a busy event loop is not', () => {
  const host = fakeHost();
  host.run(1000);
  host.busy(8000); // a parser spinning: the watchdog's business, not a sleep
  host.run(1000);
  assert.equal(host.gaps.length, 0);
  host.pause(3000); // shorter than asleep_after
  host.run(1000);
  assert.equal(host.gaps.length, 0);
  const before = host.t.wall;
  host.pause(6000);
  host.run(1000);
  assert.equal(host.gaps.length, 1);
  const gap = host.gaps[0]!;
  assert.equal(gap.kind, 'paused');
  assert.equal(gap.from, before);
  assert.ok(gap.ms >= 6000 && gap.ms <= 6000 + TICK_MS, `${gap.ms} ms`);
  assert.equal(gap.unseenMs, 0);
  assert.equal(host.jumps.length, 0, 'wall and monotonic time both moved: no jump');
});

test('a suspended PC (monotonic time stopped, boot time not) is a sleep, not a forward clock jump', () => {
  const host = fakeHost();
  host.run(1000);
  const before = host.t.wall;
  host.suspend(3_600_000);
  host.run(1000);
  assert.equal(host.jumps.length, 0);
  assert.equal(host.gaps.length, 1);
  const gap = host.gaps[0]!;
  assert.equal(gap.kind, 'suspended');
  assert.equal(gap.unseenMs, 3_600_000);
  assert.equal(gap.from, before);
  assert.equal(gap.to - gap.from, gap.ms);
});

test('a question asked after the sleep sees it at once, whether or not the tick ran first', () => {
  const host = fakeHost();
  host.run(1000);
  const pollStarted = host.monitor.mark();
  host.pause(6000);
  // No tick yet: the poll's timeout fired first. The answer still knows.
  assert.equal(host.monitor.sleptSince(pollStarted), true);
  assert.equal(host.gaps.length, 1, 'and the sleep is reported once');
  const nextPoll = host.monitor.mark();
  host.run(1000);
  assert.equal(host.monitor.sleptSince(nextPoll), false, 'a poll that started after it is on its own');
  assert.equal(host.monitor.sleptSince(pollStarted), true);
  assert.equal(host.monitor.sleptWithin(2000), true);
  host.run(5000);
  assert.equal(host.monitor.sleptWithin(2000), false);
  assert.equal(host.gaps.length, 1);
});
