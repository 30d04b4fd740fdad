import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import type { Clock } from '../clock.ts';
import type { SleepGap } from './host-clock-monitor.ts';
import type { HostProbe } from './host-probe.ts';
import { describeDuration, HostTime } from './host-time.ts';

test('a jump is said at WARN with its size and counted; a sleep is said once, counted, kept across a restart and handed on', (t) => {
  const dataDir = tempDir(t);
  const clocks = { wall: Date.parse('2025-03-01T08:00:00Z'), real: 0, boot: 0 };
  const clock: Clock = {
    now: () => clocks.wall,
    monotonic: () => clocks.real,
    sleep: () => Promise.resolve(),
  };
  const probe: HostProbe = { realMs: () => clocks.real, bootMs: () => clocks.boot, cpuMs: () => 0 };
  const lines: Array<{ level: number; msg: string; jump_ms?: number }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const store = openTestStore(dataDir);
  t.after(() => store.close());
  const resumed: SleepGap[] = [];
  const host = new HostTime({
    clock,
    logger,
    stats: store.stats,
    asleepAfterMs: 5000,
    probe,
    resumed: (gap) => resumed.push(gap),
  });
  clocks.wall -= 7_200_000;
  host.check();
  clocks.wall += 10_000;
  clocks.real += 10_000;
  clocks.boot += 10_000;
  host.check();

  const jump = lines.find((l) => l.msg.includes('clock jumped'));
  assert.equal(jump?.level, 40);
  assert.equal(jump?.jump_ms, -7_200_000);
  assert.match(jump!.msg, /the clock jumped back by 2 h/);
  const asleep = lines.filter((l) => l.msg.startsWith('Echo was asleep from'));
  assert.equal(asleep.length, 1);
  assert.match(asleep[0]!.msg, /from 2025-03-01T06:00:00\.000Z to 2025-03-01T06:00:10\.000Z \(10 s\)/);
  assert.deepEqual(store.stats.counters(), { clock_jumps: 1, asleep_gaps: 1 });
  assert.equal(resumed.length, 1);
  assert.deepEqual(host.sleeps(), [
    { from: '2025-03-01T06:00:00.000Z', to: '2025-03-01T06:00:10.000Z', seconds: 10, kind: 'paused' },
  ]);
  // A restart of the core (a settings change) still shows it.
  const again = new HostTime({
    clock,
    logger,
    stats: store.stats,
    asleepAfterMs: 5000,
    probe,
    resumed: () => {},
  });
  assert.equal(again.sleeps().length, 1);
});

test('sizes in words', () => {
  assert.equal(describeDuration(4500), '4.5 s');
  assert.equal(describeDuration(200_000), '3 min 20 s');
  assert.equal(describeDuration(3_599_998), '1 h');
  assert.equal(describeDuration(7_500_000), '2 h 5 min');
});
