import assert from 'node:assert/strict';
import { test } from 'node:test';
import { steppableClock } from '../clock.ts';
import { CloudGate } from './cloud-gate.ts';
import { retryAtToStore, retryDueAt } from './retry-due.ts';

const HOUR = 3_600_000;

test('the gate holds for its backoff on the monotonic clock: a clock step back neither stretches it nor one forward ends it', async () => {
  for (const step of [-HOUR, HOUR]) {
    const clock = steppableClock();
    const gate = new CloudGate(clock, 100, 400);
    const delay = gate.failed('the cloud is down');
    clock.jump(step);
    const left = gate.closedUntil - clock.now();
    assert.ok(left > 0 && left <= delay, `status says open in ${left} ms (delay ${delay} ms)`);
    const started = performance.now();
    await gate.pass();
    const waited = performance.now() - started;
    assert.ok(waited >= delay - 20 && waited < delay + 200, `waited ${waited} ms for a ${delay} ms hold`);
  }
});

test('a suspend counts towards a hold: the time passed, though the monotonic clock did not see it', () => {
  const clock = steppableClock();
  const gate = new CloudGate(clock, 60_000, 60_000);
  gate.holdFor(60_000, 'Retry-After: 60');
  gate.suspendedFor(10 * 60_000);
  assert.ok(gate.closedUntil <= clock.now());
});

test('stored retry times: never more than backoff_max ahead, and one further ahead (the clock stepped back) is due now', () => {
  const now = Date.parse('2025-03-01T08:00:00Z');
  const max = 60_000;
  assert.equal(retryAtToStore(now + 5 * 60_000, now, max), now + max, 'a 403 hold is the gate’s to keep');
  assert.equal(retryAtToStore(now + 1000, now, max), now + 1000);
  // Written at `now + 30 s`, then the clock stepped back an hour.
  const stepped = now - HOUR;
  assert.equal(retryDueAt(now + 30_000, stepped, max), stepped);
  // A small step back keeps the retry within backoff_max of the new now.
  assert.equal(retryDueAt(now + 30_000, now - 20_000, max), now + 30_000);
  assert.ok(retryDueAt(now + 30_000, now - 20_000, max) - (now - 20_000) <= max);
  // Forwards: already due.
  assert.ok(retryDueAt(now + 30_000, now + HOUR, max) <= now + HOUR);
});
