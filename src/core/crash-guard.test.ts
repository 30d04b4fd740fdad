import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';

test('crash guard: a throw in a machine fails that machine only; a core throw restarts the core, then ends the process in words', () => {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '../../test/fixtures/crash-guard-child.ts')],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const events = child.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(events, [
    { event: 'fault', machine: 'mqtt-printer', error: 'listener blew up' },
    { event: 'fault', machine: 'http-printer', error: 'timer rejection' },
    { event: 'alive' },
    { event: 'restart', reason: 'crash: uncaughtException' },
    { event: 'alert', message: 'the agent core failed (core bug 1) and was restarted in place' },
    { event: 'restart', reason: 'crash: uncaughtException' },
    { event: 'alert', message: 'the agent core failed (core bug 2) and was restarted in place' },
    { event: 'exit', code: 70 },
  ]);
  assert.equal(child.status, 70, child.stderr);
});
