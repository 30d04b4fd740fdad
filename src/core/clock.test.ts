import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaledClock, steppableClock, Wakeup } from './clock.ts';

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

test('a step of the wall clock moves now() only: monotonic time and timers do not notice', async () => {
  const clock = steppableClock();
  const wall = clock.now();
  const mono = clock.monotonic();
  clock.jump(-3_600_000);
  assert.ok(Math.abs(clock.now() - (wall - 3_600_000)) < 50);
  assert.ok(clock.monotonic() - mono >= 0 && clock.monotonic() - mono < 50);
  const started = clock.monotonic();
  await clock.sleep(30);
  const slept = clock.monotonic() - started;
  assert.ok(slept >= 25 && slept < 500, `${slept} ms`);
  // Scaled like now(): 100× faster.
  const fast = scaledClock(100);
  const from = fast.monotonic();
  await fast.sleep(2000);
  assert.ok(fast.monotonic() - from >= 1500, `${fast.monotonic() - from} ms at 100×`);
});

test('waits that end on their time leave nothing behind (a loop that is never poked)', async () => {
  const wakeup = new Wakeup();
  const clock = scaledClock(1);
  for (let i = 0; i < 200; i++) await wakeup.wait(clock, 0);
  assert.equal(wakeup.waiting, 0);
  const poked = wakeup.wait(clock, 60_000);
  assert.equal(wakeup.waiting, 1);
  wakeup.poke();
  await poked;
  assert.equal(wakeup.waiting, 0);
});
