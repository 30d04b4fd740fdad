import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaledClock, Wakeup } from './clock.ts';

test('a wait on a signal that was already aborted returns at once (a loop stopped while busy)', async () => {
  const controller = new AbortController();
  controller.abort();
  const started = Date.now();
  await new Wakeup().wait(scaledClock(1), 60_000, controller.signal);
  await scaledClock(1).sleep(60_000, controller.signal);
  assert.ok(Date.now() - started < 1000);
});

test('a wait ends on a poke, on an abort, or after its time', async () => {
  const clock = scaledClock(1);
  const wakeup = new Wakeup();
  const poked = wakeup.wait(clock, 60_000);
  wakeup.poke();
  await poked;
  const controller = new AbortController();
  const aborted = wakeup.wait(clock, 60_000, controller.signal);
  controller.abort();
  await aborted;
  const started = Date.now();
  await wakeup.wait(scaledClock(100), 2000);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 15 && elapsed < 1000, `${elapsed} ms for 2 s at 100×`);
});
