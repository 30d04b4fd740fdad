import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateLine } from './cmd-status.ts';

test('status prints the available update, and nothing when there is none', () => {
  assert.equal(updateLine(undefined), undefined);
  assert.equal(updateLine({ current: '1.2.3', state: 'idle', checkedAt: '2026-01-01T00:00:00Z' }), undefined);
  const available = { version: '1.3.0', platform: 'windows', architecture: 'amd64', type: 'exe' } as const;
  assert.match(
    updateLine({ current: '1.2.3', state: 'idle', available }) ?? '',
    /^Update: Echo 1\.3\.0 available/,
  );
  assert.match(
    updateLine({
      current: '1.2.3',
      state: 'ready',
      available,
      file: 'C:\\echo\\updates\\x.exe',
      verifiedBy: 'sha256',
    }) ?? '',
    /downloaded to .*x\.exe \(verified by sha256\)/,
  );
  assert.match(
    updateLine({ current: '1.2.3', state: 'failed', error: 'the update check failed: ECONNREFUSED' }) ?? '',
    /ECONNREFUSED/,
  );
});
