/**
 * The attack of `http-machines.test.ts` as one function, shared by the suites of the issue 15
 * collectors (`vendor-api-machines.test.ts`, `catalystex-machines.test.ts`): a healthy Ultimaker
 * polled every second, the group's hostile machines and its healthy ones (a healthy account next to
 * a hostile one, a slow but correct printer) behaving for a baseline, then every hostile machine
 * turned at once, watched from outside.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startEmulator } from '../helpers/harness.ts';
import {
  assertHealthyThroughAttack,
  HEALTHY,
  measureBaseline,
  StatusWatch,
  startAttack,
  startHealthyMachine,
} from './attack.ts';
import { awaitClearErrors, rideOutAttack } from './attack-phases.ts';
import type { Expectation } from './machine-kit.ts';
import { type MachineEntry, RealAgent, sleep } from './real-agent.ts';

export interface MachineGroupAttack {
  /** Every machine of the group under attack, hostile and healthy. */
  entries: MachineEntry[];
  /** Turns every hostile machine to its mode. */
  turn(): void;
  /** The hostile machines and what each must show. */
  expected: Record<string, Expectation>;
  /** Machines of the group that must not fail during the attack, and their state. */
  stayUp: Record<string, RegExp>;
  /** Bytes the hostile machines sent so far. */
  sent(): number;
  attackMs: number;
  baselineMs: number;
}

export async function runMachineGroupAttack(
  t: TestContext,
  build: (t: TestContext) => Promise<MachineGroupAttack>,
): Promise<void> {
  const run = await build(t);
  const names = run.entries.map((m) => m.name);
  const { emulator, modelers } = await startEmulator(t, [HEALTHY, ...names]);
  const healthy = await startHealthyMachine(t);
  const agent = await RealAgent.start(t, {
    cloudUrl: emulator.url,
    modelers,
    machines: [healthy.entry, ...run.entries],
  });
  const { baseline, rssBefore } = await measureBaseline(agent, [HEALTHY, ...names], run.baselineMs);

  const attack = startAttack();
  run.turn();
  const watch = new StatusWatch(agent);
  t.after(() => watch.stop());

  await t.test('every hostile machine fails alone, with an error that says what went wrong', async () => {
    await awaitClearErrors(agent, watch, run.expected, attack, attack.from + 25_000);
    for (const name of Object.keys(run.expected)) {
      const last = watch.latest(name)!;
      assert.ok(last.failures > 0, `${name} failed its polls`);
    }
  });

  await t.test(
    'the healthy machines of the same collectors (another account, a slow but whole answer) never fail',
    async () => {
      // Seen over a few more polls than the hostile machines took to fail.
      await sleep(Math.max(0, attack.from + 12_000 - performance.now()));
      const wrong: string[] = [];
      for (const [name, state] of Object.entries(run.stayUp)) {
        const samples = (watch.samples.get(name) ?? []).filter((s) => s.at >= attack.from);
        const first = samples[0];
        const last = samples.at(-1);
        if (!first || !last) {
          wrong.push(`${name}: no status sample`);
          continue;
        }
        const errors = [...new Set(samples.map((s) => s.lastError).filter((e) => e !== undefined))];
        if (last.failures !== first.failures || errors.length > 0)
          wrong.push(
            `${name}: ${last.failures - first.failures} failures under attack, errors ${JSON.stringify(errors).slice(0, 500)}`,
          );
        if (last.polls - first.polls < 3) wrong.push(`${name}: polled ${last.polls - first.polls} times`);
        if (!state.test(last.state)) wrong.push(`${name}: state "${last.state}" (want ${state})`);
      }
      assert.deepEqual(wrong, [], `machines next to the hostile ones that suffered:\n${wrong.join('\n')}`);
    },
  );

  await t.test(
    'the healthy Ultimaker is polled on time and its captures reach the cloud, the agent stays up',
    async (st) => {
      await rideOutAttack(agent, watch, attack, attack.from + run.attackMs);
      assertHealthyThroughAttack(st, {
        agent,
        watch,
        healthy,
        emulator,
        modeler: modelers[HEALTHY]!,
        baseline,
        attack,
        sentBytes: run.sent(),
        rssBefore,
      });
      const faults = watch.last.filter((m) => (m.live?.faults ?? 0) > 0).map((m) => m.name);
      assert.deepEqual(faults, [], 'no exception escaped a collector (live.faults)');
    },
  );

  await agent.stop();
  assert.equal(agent.exited?.code, 0, `the agent stopped cleanly on SIGTERM (${agent.describeExit()})`);
}
