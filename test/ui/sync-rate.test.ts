import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SyncRate } from '../../src/renderer/sync-rate.ts';

test('the send rate is measured over the last minute of status events', () => {
  const rate = new SyncRate();
  rate.add(0, { captures_acknowledged: 100 });
  rate.add(2000, { captures_acknowledged: 110 });
  assert.equal(rate.perMinute('captures_acknowledged'), undefined, 'too short to say');
  rate.add(10_000, { captures_acknowledged: 150 });
  assert.equal(rate.perMinute('captures_acknowledged'), 300);
  for (let at = 11_000; at <= 130_000; at += 1000)
    rate.add(at, { captures_acknowledged: 150 + (at - 10_000) / 1000 });
  // The last minute only: one a second.
  assert.equal(Math.round(rate.perMinute('captures_acknowledged') ?? 0), 60);
  assert.equal(rate.perMinute('logs_sent'), 0);
});
