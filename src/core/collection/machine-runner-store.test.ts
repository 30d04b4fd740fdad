import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { Collector } from '../../collectors/sdk/collector.ts';
import { machineSchema } from '../../shared/config/schema.ts';
import { StoreError } from '../../shared/errors.ts';
import { scaledClock } from '../clock.ts';
import type { StoreStats } from '../store/store-stats.ts';
import type { MachineStatusInput } from '../store/types.ts';
import type { CollectionSink } from './collection-sink.ts';
import { MachineRunner } from './machine-runner.ts';
import { StagedState } from './staged-state.ts';

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
};

test('a poll the store refuses is not a machine failure, and its position is not saved', async (t) => {
  const saved = new Map<string, string>();
  const stats = {
    getValue: (key: string) => saved.get(key),
    setValue: (key: string, value: string | undefined) => {
      if (value === undefined) saved.delete(key);
      else saved.set(key, value);
    },
  } as unknown as StoreStats;
  const state = new StagedState(stats, 'collector:m1:');
  let reads = 0;
  // A log collector: each poll reads the next line and moves its offset past it.
  const collector: Collector = {
    connect: async () => {},
    poll: async () => {
      const offset = Number(state.get('offset') ?? 0);
      reads++;
      state.set('offset', String(offset + 1));
      return {
        snapshot: { state: 'printing', gauges: [], errors: [] },
        captures: [
          {
            captureTypeName: 'ultimaker.modeler.log' as const,
            content: `line ${offset}`,
            contentType: 'text/plain',
            idempotencyKey: `line-${offset}`,
          },
        ],
      };
    },
    close: async () => {},
    testConnection: async () => ({ ok: true, message: 'ok' }),
  };
  let full = true;
  const stored: string[] = [];
  const statuses: MachineStatusInput[] = [];
  const refuse = () => {
    throw new StoreError('ECHO_ERR_DISK_FULL', 'the disk is full', { retryable: true });
  };
  const sink: CollectionSink = {
    ingestCapture: async () => {
      throw new Error('a poll is stored with ingestPoll');
    },
    ingestLog: async () => {},
    // As the store does: the records and the position in one transaction, or none of them.
    ingestPoll: async (poll) => {
      if (full) refuse();
      for (const capture of poll.captures) stored.push(String(capture.content));
      for (const [key, value] of poll.state) stats.setValue(key, value);
    },
    recordMachineStatus: async (status) => {
      if (full) refuse();
      statuses.push(status);
    },
    collecting: () => true,
  };
  const machine = machineSchema.parse({ name: 'm1', collector: 'log', poll_interval: 0.1, timeout: 1 });
  const runner = new MachineRunner(
    machine,
    collector,
    sink,
    scaledClock(1),
    pino({ level: 'silent' }),
    state,
  );
  runner.start();
  t.after(() => runner.stop());

  await until(() => reads >= 3, 'polled while the disk is full');
  const during = runner.status();
  assert.equal(during.connected, true, 'the machine is not blamed for the store');
  assert.equal(during.failures, 0);
  assert.ok((during.storeRefused ?? 0) >= 3);
  assert.equal(saved.get('collector:m1:offset'), undefined, 'the offset did not move past refused lines');

  full = false;
  await until(() => stored.length >= 2, 'stored once the disk has room');
  assert.deepEqual(stored.slice(0, 2), ['line 0', 'line 1'], 'the refused line is read again, first');
  assert.ok(
    statuses.every((s) => s.connected),
    'no status said the machine failed',
  );
});
