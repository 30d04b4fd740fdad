import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';

test('captures are durable, ordered per machine and walk their lifecycle', async (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  const ids = await Promise.all(
    [1, 2, 3].map((n) =>
      store.ingestCapture({
        machine: n === 2 ? 'b' : 'a',
        captureTypeName: 'ultimaker.modeler.log',
        content: `{"n":${n}}`,
        contentType: 'application/json',
      }),
    ),
  );
  assert.equal(new Set(ids.map((i) => i.echoCaptureId)).size, 3);
  assert.deepEqual(store.captures.machinesWithBacklog().sort(), ['a', 'b']);
  const head = store.captures.head('a')!;
  assert.equal(head.content?.toString(), '{"n":1}');
  assert.equal(head.meta.echo_capture_id, head.echoCaptureId);
  store.captures.markCreated(head.id, 'http://cloud/capture/1/', 'http://cloud/upload/1/');
  store.captures.markUploaded(head.id);
  store.captures.markAcknowledged(head.id);
  assert.equal(store.captures.head('a')!.content?.toString(), '{"n":3}');
  store.close();

  const reopened = openTestStore(dir);
  t.after(() => reopened.close());
  const counts = reopened.stats.counts();
  assert.equal(counts.captures.acknowledged, 1);
  assert.equal(counts.captures.pending, 2);
});

test('large content goes to a blob file that is removed once acknowledged', async (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir, { inlineMaxBytes: 10 });
  t.after(() => store.close());
  await store.ingestCapture({
    machine: 'a',
    captureTypeName: 'eos.modeler.log',
    content: 'x'.repeat(1000),
    contentType: 'text/plain',
  });
  const head = store.captures.head('a')!;
  assert.equal(head.content, undefined);
  assert.ok(head.contentPath && existsSync(head.contentPath));
  assert.equal(readFileSync(head.contentPath, 'utf8').length, 1000);
  store.captures.markAcknowledged(head.id);
  assert.equal(existsSync(head.contentPath), false);
});

test('a full store drops the oldest captures and counts them (drop_oldest_captures)', async (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir, {
    maxSizeBytes: 400 * 1024,
    groupCommit: { maxRecords: 10, maxWaitMs: 1 },
  });
  t.after(() => store.close());
  const payload = 'y'.repeat(4000);
  for (let i = 0; i < 300; i++) {
    await store.ingestCapture({
      machine: 'a',
      captureTypeName: 'hp.modeler.status',
      content: `${i}:${payload}`,
      contentType: 'text/plain',
    });
  }
  const dropped = store.stats.counters().captures_dropped_store_full ?? 0;
  assert.ok(dropped > 0, 'some captures were dropped');
  assert.equal(store.takeDropReport().captures, dropped);
  const head = store.captures.head('a')!;
  assert.ok(!head.content!.toString().startsWith('0:'), 'the oldest capture is the one dropped');
  const remaining = store.stats.captureBacklog();
  assert.equal(remaining + dropped, 300);
});

test('a full store refuses new captures with a clear error (stop_collecting)', async (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir, {
    maxSizeBytes: 200 * 1024,
    whenFull: 'stop_collecting',
    groupCommit: { maxRecords: 10, maxWaitMs: 1 },
    now: (() => {
      let n = 0;
      return () => (n += 2000);
    })(),
  });
  t.after(() => store.close());
  const payload = 'z'.repeat(4000);
  let refused: unknown;
  for (let i = 0; i < 200 && !refused; i++) {
    try {
      await store.ingestCapture({
        machine: 'a',
        captureTypeName: 'hp.modeler.status',
        content: payload,
        contentType: 'text/plain',
      });
    } catch (error) {
      refused = error;
    }
  }
  assert.ok(refused instanceof Error);
  assert.equal((refused as { code?: string }).code, 'ECHO_ERR_STORE_FULL');
  assert.match(refused.message, /stop_collecting/);
});

test('log batches come in id order and respect the byte bound', async (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  for (let i = 0; i < 10; i++) {
    await store.ingestLog({
      source: 'machine',
      machine: 'a',
      level: 'INFO',
      timestamp: new Date().toISOString(),
      message: `line ${i} ${'m'.repeat(100)}`,
    });
  }
  const batch = store.logs.nextBatch(100, 700, 'user-1');
  assert.ok(batch.length >= 1 && batch.length < 10);
  const entries = batch.map(
    (b) =>
      JSON.parse(b.wire) as {
        message: string;
        level: string;
        timestamp: string;
        user_uuid: string;
        context: Record<string, unknown>;
      },
  );
  assert.deepEqual(
    entries.map((e) => e.message.split(' ')[1]),
    entries.map((_, i) => String(i)),
  );
  assert.deepEqual(entries[0], {
    level: 'INFO',
    timestamp: entries[0]!.timestamp,
    message: entries[0]!.message,
    user_uuid: 'user-1',
    context: { source: 'machine', machine: 'a' },
  });
  assert.equal(store.logs.hasPending(), true);
  store.logs.markSent(batch.map((b) => b.id));
  const rest = store.logs.nextBatch(100, 1e6, null);
  assert.equal(
    (JSON.parse(rest[0]!.wire) as { message: string }).message.startsWith(`line ${batch.length} `),
    true,
  );
  store.logs.markSent(rest.map((b) => b.id));
  assert.equal(store.logs.hasPending(), false);
  assert.equal(store.stats.counters().logs_sent, 10);
});

test('a capture read twice from its source (same idempotency key) is stored once, with a stable UUID', async (t) => {
  const store = openTestStore(tempDir(t));
  t.after(() => store.close());
  const input = {
    machine: 'eos-1',
    captureTypeName: 'eos.modeler.log',
    content: 'line 1\n',
    contentType: 'text/plain',
    idempotencyKey: 'log:64768:1234:0:abc',
  };
  const first = await store.ingestCapture(input);
  const again = await store.ingestCapture(input);
  const otherMachine = await store.ingestCapture({ ...input, machine: 'eos-2' });
  assert.equal(first.echoCaptureId, again.echoCaptureId);
  assert.notEqual(first.echoCaptureId, otherMachine.echoCaptureId);
  assert.match(first.echoCaptureId, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(store.stats.counts().captures.pending, 2);
});

test("a poll's captures, log lines and collector position are durable together, or not at all", async (t) => {
  const store = openTestStore(tempDir(t));
  t.after(() => store.close());
  const poll = (line: string, offset: string, source: 'machine' | 'bogus' = 'machine') =>
    store.ingestPoll({
      captures: [
        {
          machine: 'm1',
          captureTypeName: 'eos.modeler.log',
          content: line,
          contentType: 'text/plain',
          idempotencyKey: `log:${offset}`,
        },
      ],
      logs: [
        {
          // The schema's CHECK refuses an unknown source: the whole transaction must roll back.
          source: source as 'machine',
          machine: 'm1',
          level: 'WARN',
          timestamp: '2026-12-06T05:00:00.000Z',
          message: line,
        },
      ],
      state: [['collector:m1:files', offset]],
    });
  const { echoCaptureIds } = await poll('first', '6');
  assert.equal(echoCaptureIds.length, 1);
  await assert.rejects(poll('second', '13', 'bogus'));
  const counts = store.stats.counts();
  assert.equal(counts.captures.pending, 1, 'the failed poll left no capture');
  assert.equal(counts.logs.pending, 1, 'the failed poll left no log line');
  assert.equal(store.stats.getValue('collector:m1:files'), '6', 'the position stayed where the records end');
});

test('a log entry keeps who was signed in when it was written; one written before that is known carries who sends it', async (t) => {
  const store = openTestStore(tempDir(t));
  t.after(() => store.close());
  const line = (message: string) => ({
    source: 'agent' as const,
    level: 'INFO' as const,
    timestamp: new Date().toISOString(),
    message,
  });
  await store.ingestLog(line('before the credential was read'));
  store.logUser = () => 'operator-uuid';
  await store.ingestLog(line('while the operator was signed in'));
  store.logUser = () => null;
  const batch = store.logs
    .nextBatch(10, 1024 * 1024, 'later-user')
    .map((row) => JSON.parse(row.wire) as Record<string, unknown>);
  assert.deepEqual(
    batch.map((entry) => [entry.message, entry.user_uuid]),
    [
      ['before the credential was read', 'later-user'],
      ['while the operator was signed in', 'operator-uuid'],
    ],
  );
});
