/**
 * The two timed phases every hostile-machine attack goes through, shared by the suites: waiting
 * until each hostile machine shows the error it should, and riding the attack out to its end.
 * The agent must answer its local API throughout both.
 */
import assert from 'node:assert/strict';
import { type AttackWindow, assertClearErrors, type StatusWatch } from './attack.ts';
import type { Expectation } from './machine-kit.ts';
import { type RealAgent, sleep } from './real-agent.ts';

/** Polls each second until every hostile machine shows its expected error, or fails at `until`. */
export async function awaitClearErrors(
  agent: RealAgent,
  watch: StatusWatch,
  expected: Record<string, Expectation>,
  attack: AttackWindow,
  until: number,
): Promise<void> {
  let wrong: string[] = [];
  while (performance.now() < until) {
    agent.assertAlive('under attack');
    await sleep(1000);
    wrong = assertClearErrors(watch, expected, attack.from);
    if (wrong.length === 0) break;
  }
  assert.deepEqual(wrong, [], `hostile machines without a clear error:\n${wrong.join('\n')}`);
}

/** Keeps the attack on until `until` (the agent alive throughout), then closes its window. */
export async function rideOutAttack(
  agent: RealAgent,
  watch: StatusWatch,
  attack: AttackWindow,
  until: number,
): Promise<void> {
  while (performance.now() < until) {
    agent.assertAlive('under attack');
    await sleep(500);
  }
  attack.to = performance.now();
  attack.toWall = Date.now();
  await watch.stop();
  agent.assertAlive('at the end of the attack');
}
