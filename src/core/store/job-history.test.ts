import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

test('past jobs from the machine: once each, merged with a job seen running, newest 500 kept in time order', (t) => {
  const store = openTestStore(tempDir(t));
  t.after(() => store.close());
  const { jobs } = store;

  // Seen running with the machine's id, then reported by the machine: one row, the machine's result.
  const seen = jobs.start('m1', 'bracket', Date.parse(at(10)), 'j-7');
  jobs.recordPast('m1', [
    { id: 'j-7', name: 'bracket', startedAt: at(10), endedAt: at(20), result: 'cancelled' },
  ]);
  jobs.end(seen, Date.parse(at(21)), 'stopped', 40); // Echo's inference comes too late: the machine's stays
  // Read twice (a page re-read after a crash): no double. Without an id: name and times are the key.
  const older = [
    { name: 'gear', startedAt: at(1), endedAt: at(5), result: 'finished' as const },
    { name: 'lid', endedAt: at(8) },
  ];
  jobs.recordPast('m1', older);
  jobs.recordPast('m1', older);
  assert.deepEqual(
    jobs.recent('m1', 10).map((j) => [j.name, j.source, j.outcome ?? null, j.endedAt ?? null]),
    [
      ['bracket', 'seen', 'cancelled', at(20)],
      ['lid', 'machine', null, at(8)],
      ['gear', 'machine', 'finished', at(5)],
    ],
  );

  // A long backfill: only the newest 500 stay.
  jobs.recordPast(
    'm2',
    Array.from({ length: 1200 }, (_, i) => ({ id: String(i), name: `job-${i}`, endedAt: at(100 + i) })),
  );
  const kept = jobs.recent('m2', 1000);
  assert.equal(kept.length, 500);
  assert.equal(kept[0]?.name, 'job-1199');
  assert.equal(kept[499]?.name, 'job-700');
  assert.equal(jobs.recent('m1', 10).length, 3, 'other machines untouched');
});
