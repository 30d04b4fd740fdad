/**
 * Issue 14: the store cannot be written while the agent runs. Here its blob folder is gone and a
 * file stands in its place (as when a share disappears under a mount point): every capture that
 * needs a file fails with ENOTDIR. The agent says so in words, keeps its local API and status up,
 * refuses new records (counted) rather than fails, and resumes by itself when the folder is back.
 */
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreError } from '../../src/shared/errors.ts';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

const big = () => Buffer.alloc(8 * 1024, 7);

test('the blob folder is gone while running: the store is unwritable, said, retried, and resumes by itself', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const dataDir = tempDir(t);
  const agent = await startAgent(
    t,
    testConfig(dataDir, emulator.url, modelers, {
      store: { inline_content_max_kb: 1, min_free_mb: 0, recheck_interval_s: 1 },
    }),
  );
  const capture = () =>
    agent.sink.ingestCapture({
      machine: 'p1',
      captureTypeName: 'slm.modeler.status',
      content: big(),
      contentType: 'application/octet-stream',
    });
  await capture();

  const blobs = join(dataDir, 'blobs');
  renameSync(blobs, join(dataDir, 'blobs-away'));
  writeFileSync(blobs, 'not a folder');
  await assert.rejects(capture(), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, 'ECHO_ERR_STORE_UNWRITABLE');
    return true;
  });
  const status = agent.status();
  assert.equal(status.store.condition.state, 'unwritable');
  assert.equal(status.collection, 'paused_store_full', 'collection waits while nothing can be stored');
  assert.match(
    status.store.condition.message ?? '',
    /cannot be written \(.*ENOTDIR.*\)\. Collection is paused/,
  );
  assert.ok(status.alerts.some((a) => a.kind === 'store_unwritable' && a.id === 0));
  assert.equal(agent.sink.collecting(), false);
  // Refused at the door meanwhile, and counted.
  await assert.rejects(capture(), /cannot be written/);
  assert.equal(agent.status().store.refusedWhileFull.captures, 2);

  // The folder is back: within a recheck interval the store writes again, by itself.
  rmSync(blobs);
  mkdirSync(blobs);
  await waitFor(() => agent.status().store.condition.state === 'ok', 10_000, 'the store to write again');
  assert.equal(agent.sink.collecting(), true);
  assert.equal(
    agent.status().alerts.some((a) => a.kind === 'store_unwritable'),
    false,
    'the alert cleared',
  );
  assert.equal(agent.status().counters.captures_refused_disk_full, 2, 'the refusals are counted');
  await capture();

  // A blob folder something removed (a cleanup tool) is simply made again at the next write.
  rmSync(blobs, { recursive: true });
  await capture();
  assert.equal(agent.status().store.condition.state, 'ok');
});
