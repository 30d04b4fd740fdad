import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import pino from 'pino';
import type { Collector, PollResult } from '../../collectors/sdk/collector.ts';
import { CollectorError } from '../../collectors/sdk/collector-error.ts';
import { machineSchema } from '../../shared/config/schema.ts';
import { scaledClock } from '../clock.ts';
import type { SleepWitness } from '../host/host-clock-monitor.ts';
import type { StoreStats } from '../store/store-stats.ts';
import type { MachineStatusInput } from '../store/types.ts';
import type { CollectionSink } from './collection-sink.ts';
import { MachineRunner } from './machine-runner.ts';
import { StagedState } from './staged-state.ts';

/** A witness told by the test when Echo "slept". */
class ScriptedWitness implements SleepWitness {
  private time = 0;
  private sleptAt: number | undefined;
  sleep(): void {
    this.sleptAt = ++this.time;
  }
  mark(): number {
    return ++this.time;
  }
  sleptSince(mark: number): boolean {
    return this.sleptAt !== undefined && this.sleptAt > mark;
  }
  sleptWithin(): boolean {
    return false;
  }
}

const OK: PollResult = { snapshot: { state: 'idle', gauges: [], errors: [] }, captures: [] };

/** A collector whose polls follow `script` (then succeed), logging connects, closes and polls. */
function scriptedCollector(script: Array<() => Promise<PollResult>>) {
  const events: string[] = [];
  const collector: Collector = {
    connect: async () => {
      events.push('connect');
    },
    poll: () => {
      events.push('poll');
      return script.shift()?.() ?? Promise.resolve(OK);
    },
    close: async () => {
      events.push('close');
    },
    testConnection: async () => ({ ok: true, message: 'ok' }),
  };
  return { collector, events };
}

function run(t: TestContext, collector: Collector, witness: SleepWitness, pollInterval: number) {
  const statuses: MachineStatusInput[] = [];
  const sink: CollectionSink = {
    ingestCapture: async () => undefined,
    ingestLog: async () => {},
    ingestPoll: async () => {},
    recordMachineStatus: async (status) => {
      statuses.push(status);
    },
    collecting: () => true,
  };
  const stats = { getValue: () => undefined, setValue: () => {} } as unknown as StoreStats;
  const machine = machineSchema.parse({
    name: 'm1',
    collector: 'scripted',
    poll_interval: pollInterval,
    timeout: 1,
  });
  const runner = new MachineRunner(
    machine,
    collector,
    sink,
    scaledClock(1),
    pino({ level: 'silent' }),
    new StagedState(stats, 'collector:m1:'),
    undefined,
    witness,
  );
  runner.start();
  t.after(() => runner.stop());
  return { runner, statuses };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a poll that failed while Echo slept is no failure: polled again at once, on a new connection', async (t) => {
  const witness = new ScriptedWitness();
  const { collector, events } = scriptedCollector([
    async () => OK,
    async () => {
      // The agent was stopped mid-poll; at SIGCONT the poll's timeout fires at once.
      witness.sleep();
      throw new CollectorError('timeout', 'm1 did not answer within 1 s');
    },
  ]);
  const { runner, statuses } = run(t, collector, witness, 0.2);
  await settle(300);
  const live = runner.status();
  assert.equal(live.failures, 0, 'not counted');
  assert.equal(live.lastError, undefined);
  assert.equal(live.connected, true);
  assert.ok(
    statuses.every((s) => s.connected),
    `no offline status: ${JSON.stringify(statuses)}`,
  );
  // connect, poll (ok), poll (failed across the sleep), close, connect, poll: no backoff between.
  assert.deepEqual(events.slice(0, 6), ['connect', 'poll', 'poll', 'close', 'connect', 'poll']);
});

test('the same failure with no sleep in it is the machine’s: recorded, offline', async (t) => {
  const witness = new ScriptedWitness();
  const { collector } = scriptedCollector([
    async () => OK,
    async () => {
      throw new CollectorError('timeout', 'm1 did not answer within 1 s');
    },
  ]);
  const { runner, statuses } = run(t, collector, witness, 0.1);
  await settle(250);
  assert.equal(runner.status().failures, 1);
  assert.ok(statuses.some((s) => !s.connected && s.state === 'offline'));
});

test('resume after a sleep: the machine is polled at once on a new connection, not at its next interval', async (t) => {
  const witness = new ScriptedWitness();
  const { collector, events } = scriptedCollector([]);
  const { runner } = run(t, collector, witness, 60);
  await settle(100);
  assert.deepEqual(events, ['connect', 'poll']);
  runner.resume();
  await settle(100);
  assert.deepEqual(events, ['connect', 'poll', 'close', 'connect', 'poll']);
  assert.equal(runner.status().polls, 2);
});
