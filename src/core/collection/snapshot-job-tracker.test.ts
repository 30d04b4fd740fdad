import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import type { MachineSnapshot } from '../../collectors/sdk/machine-snapshot.ts';
import { SnapshotJobTracker } from './snapshot-job-tracker.ts';

const snap = (state: MachineSnapshot['state'], name?: string, progress?: number): MachineSnapshot => ({
  state,
  gauges: [],
  errors: [],
  ...(name ? { job: { name, ...(progress !== undefined ? { progress } : {}) } } : {}),
});

test('jobs open when they run and close with how they ended; a restart picks open jobs up', (t) => {
  const dir = tempDir(t);
  let store = openTestStore(dir);
  let tracker = new SnapshotJobTracker(store.jobs);
  const seen = (state: MachineSnapshot['state'], at: number, name?: string, progress?: number) =>
    tracker.observe('m1', snap(state, name, progress), at);

  seen('idle', 1);
  seen('printing', 2, 'bracket', 10);
  seen('paused', 3, 'bracket', 40);
  seen('offline', 4); // unreachable: not known to have ended
  seen('printing', 5, 'bracket', 99.5);
  seen('idle', 6, 'bracket', 100);
  seen('printing', 7, 'gear', 5);
  seen('error', 8);
  seen('printing', 9, 'lid', 50);
  seen('printing', 10, 'housing', 1); // another job without an idle poll between
  seen('printing', 11, 'housing', 95);
  seen('printing', 12, 'housing', 2); // the same job again from the start
  seen('idle', 13, 'housing', 20);

  // Restart with a job running: it is followed on, not opened twice.
  seen('printing', 14, 'clip', 30);
  store.close();
  store = openTestStore(dir);
  t.after(() => store.close());
  tracker = new SnapshotJobTracker(store.jobs);
  seen('printing', 15, 'clip', 60);
  seen('idle', 16, 'clip', 100);

  const jobs = store.jobs
    .recent('m1', 20)
    .reverse()
    .map((j) => [
      j.name,
      Date.parse(j.startedAt ?? ''),
      j.endedAt ? Date.parse(j.endedAt) : null,
      j.outcome ?? null,
      j.progress ?? null,
    ]);
  assert.deepEqual(jobs, [
    ['bracket', 2, 6, 'finished', 100],
    ['gear', 7, 8, 'failed', 5],
    ['lid', 9, 10, 'replaced', 50],
    ['housing', 10, 12, 'finished', 95],
    ['housing', 12, 13, 'stopped', 20],
    ['clip', 14, 16, 'finished', 100],
  ]);
  assert.deepEqual(store.jobs.recent('other', 5), []);
});

test('a job gone between polls finished if its remaining time ran out, else it stopped', (t) => {
  const store = openTestStore(tempDir(t));
  t.after(() => store.close());
  const tracker = new SnapshotJobTracker(store.jobs);
  const printing = (name: string, progress: number, remainingSeconds: number): MachineSnapshot => ({
    state: 'printing',
    gauges: [],
    errors: [],
    job: { name, progress, remainingSeconds },
  });
  tracker.observe('m2', printing('plate', 90, 4), 100_000);
  tracker.observe('m2', snap('idle'), 105_000);
  tracker.observe('m2', printing('cover', 40, 3600), 200_000);
  tracker.observe('m2', snap('idle'), 205_000);
  assert.deepEqual(
    store.jobs.recent('m2', 5).map((j) => [j.name, j.outcome]),
    [
      ['cover', 'stopped'],
      ['plate', 'finished'],
    ],
  );
});

test('the machine’s job id and reported result decide where it gives them', (t) => {
  const store = openTestStore(tempDir(t));
  t.after(() => store.close());
  const tracker = new SnapshotJobTracker(store.jobs);
  const seen = (state: MachineSnapshot['state'], at: number, job?: NonNullable<MachineSnapshot['job']>) =>
    tracker.observe('m3', { state, gauges: [], errors: [], ...(job ? { job } : {}) }, at);

  // An ended job Echo never saw running is not invented.
  seen('idle', 1, { name: 'old', id: 'j0', progress: 100, result: 'finished' });
  // Same file twice: the id tells the runs apart even mid-way.
  seen('printing', 2, { name: 'clip', id: 'j1', progress: 50 });
  seen('printing', 3, { name: 'clip', id: 'j2', progress: 20 });
  // Cancelled on the machine, which keeps showing the ended job for a while.
  seen('idle', 4, { name: 'clip', id: 'j2', progress: 35, result: 'cancelled' });
  seen('idle', 5, { name: 'clip', id: 'j2', progress: 35, result: 'cancelled' });
  assert.deepEqual(
    store.jobs
      .recent('m3', 10)
      .reverse()
      .map((j) => [j.name, j.outcome, j.progress]),
    [
      ['clip', 'replaced', 50],
      ['clip', 'cancelled', 35],
    ],
  );
});
