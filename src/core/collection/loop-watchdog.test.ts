import assert from 'node:assert/strict';
import test from 'node:test';
import pino from 'pino';
import { LoopWatchdog } from './loop-watchdog.ts';
import { inMachineScope } from './machine-scope.ts';

const step = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

test('watchdog: a stall is seen; the machine that stalls the loop again is named in the log and its status', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const watchdog = new LoopWatchdog(logger, { stallMs: 150, sliceMs: 50, attributeForMs: 5000, tickMs: 50 });
  watchdog.start();
  t.after(() => watchdog.stop());
  const blocked: number[] = [];
  const scope = { machine: 'hog', fault: () => {}, blocked: (ms: number) => blocked.push(ms) };
  await step(120);
  // The first stall: nothing is being timed yet, so its cause is unknown; timing starts.
  inMachineScope(scope, () => setTimeout(() => spin(300), 0));
  await step(200);
  assert.equal(watchdog.health().stalls, 1);
  assert.equal(watchdog.health().lastStall?.machine, undefined);
  // The second one, from a promise continuation in the machine's scope, is named.
  await inMachineScope(scope, async () => {
    await step(10);
    spin(300);
  });
  await step(200);
  const health = watchdog.health();
  assert.equal(health.stalls, 2);
  assert.equal(health.lastStall?.machine, 'hog');
  assert.ok(health.lastStall!.ms >= 150, `late ${health.lastStall!.ms} ms`);
  assert.ok(blocked.length >= 1 && blocked[0]! >= 250, `blocked ${blocked}`);
  assert.ok(lines.some((l) => l.machine === 'hog' && /held the event loop/.test(String(l.msg))));
});
