import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishedJob, historyPageAfter, jobReference, statusCapture } from './cloud-account-captures.ts';
import type { MachineSnapshot } from './machine-snapshot.ts';

const snapshot: MachineSnapshot = {
  state: 'printing',
  gauges: [],
  errors: [],
  job: { name: 'gear', id: 'j1' },
};
const entry = { serial: 'S1', status: 'PRINTING', tank: { ml: 12 } };
const status = {
  captureTypeName: 'formlabs.modeler.status' as const,
  document: (item: typeof entry) => item,
  meta: (item: typeof entry) => ({ serial: item.serial, source: 'test' }),
  significant: (s: MachineSnapshot) => [s.state, s.job?.id, s.job?.result],
};

test('a status capture: the whole entry as content, the vendor meta plus the read time, significant from the snapshot', () => {
  const capture = statusCapture(status, entry, snapshot, {
    data: [entry],
    readAt: '2026-01-02T03:04:05.000Z',
  });
  assert.deepEqual(JSON.parse(capture.content as string), entry);
  assert.equal(capture.contentType, 'application/json');
  assert.equal(capture.dedupeKey, 'status');
  assert.deepEqual(capture.meta, { serial: 'S1', source: 'test', read_at: '2026-01-02T03:04:05.000Z' });
  assert.equal(capture.significant, JSON.stringify(['printing', 'j1', null]));
  const paused = statusCapture(status, entry, snapshot, {
    data: [entry],
    readAt: '2026-01-02T03:04:05.000Z',
    rateLimitedUntil: '2026-01-02T03:05:00.000Z',
  });
  assert.equal(paused.meta?.rate_limited_until, '2026-01-02T03:05:00.000Z', 'a rate-limit pause is said');
});

const job = {
  id: 'p7',
  name: 'bracket',
  startedAt: '2026-01-02T01:00:00+01:00',
  endedAt: '2026-01-02T02:30:00+01:00',
  result: 'cancelled' as const,
  captureTypeName: 'carbon3D.modeler.status' as const,
  record: { print_id: 'p7', extra: true },
  meta: { serial: 'S1', source: 'carbon-history' },
};

test('a finished job: referenced by its end (UTC) and id, its record as content, one past job', () => {
  const historic = finishedJob(job)!;
  assert.equal(historic.reference, '2026-01-02T01:30:00.000Z#p7');
  assert.deepEqual(JSON.parse(historic.content as string), job.record);
  assert.deepEqual(historic.meta, job.meta);
  assert.deepEqual(historic.pastJobs, [
    {
      id: 'p7',
      name: 'bracket',
      startedAt: '2026-01-02T00:00:00.000Z',
      endedAt: '2026-01-02T01:30:00.000Z',
      result: 'cancelled',
    },
  ]);
  assert.equal(finishedJob({ ...job, startedAt: 'soon' })!.pastJobs![0]!.startedAt, undefined);
});

test('a job not ended is no finished job: no result, no end, or an end that is no time', () => {
  assert.equal(finishedJob({ ...job, result: undefined }), undefined);
  assert.equal(finishedJob({ ...job, endedAt: null }), undefined);
  assert.equal(finishedJob({ ...job, endedAt: 'yesterday-ish' }), undefined);
  assert.equal(jobReference(undefined, 'x'), undefined);
});

test('a history page: after the watermark, each reference once, oldest first, cut at the limit', () => {
  const at = (minute: number, id: string) =>
    finishedJob({ ...job, id, endedAt: `2026-01-02T00:0${minute}:00Z` })!;
  const jobs = [at(3, 'c'), at(1, 'a'), at(2, 'b'), at(2, 'b'), at(4, 'd')];
  const page = historyPageAfter(jobs, at(1, 'a').reference, 2);
  assert.deepEqual(
    page.jobs.map((j) => j.pastJobs![0]!.id),
    ['b', 'c'],
  );
  assert.equal(page.more, true);
  assert.equal(historyPageAfter(jobs, at(3, 'c').reference, 2).more, false);
});
