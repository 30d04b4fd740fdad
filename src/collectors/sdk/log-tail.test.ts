import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { LogTail } from './log-tail.ts';

function tail(folder: string, startAt: 'beginning' | 'end' = 'beginning', maxChunkBytes = 1 << 20) {
  return new LogTail({
    folder,
    pattern: '*.log',
    startAt,
    maxChunkBytes,
    maxLineBytes: 64 * 1024,
    encoding: 'utf8',
  });
}

test('marks not saved (a crash before the commit) mean the same chunk again, never a skipped one', async (t) => {
  const folder = join(tempDir(t), 'logs');
  mkdirSync(folder);
  writeFileSync(join(folder, 'a.log'), 'one\ntwo\n');
  const reader = tail(folder);
  const first = await reader.read(undefined);
  const replay = await reader.read(undefined);
  assert.deepEqual(replay.chunks, first.chunks);
  appendFileSync(join(folder, 'a.log'), 'three\n');
  const next = await reader.read(first.marks);
  assert.deepEqual(
    next.chunks.map((c) => [c.start, c.text]),
    [[8, 'three\n']],
  );
});

test('start_at end skips what was there at the first scan only; a rotated file is finished first', async (t) => {
  const folder = join(tempDir(t), 'logs');
  mkdirSync(folder);
  writeFileSync(join(folder, 'm.log'), 'old history\n');
  const reader = tail(folder, 'end');
  const first = await reader.read(undefined);
  assert.deepEqual(first.chunks, []);
  appendFileSync(join(folder, 'm.log'), 'new 1\n');
  renameSync(join(folder, 'm.log'), join(folder, 'm.log.1'));
  writeFileSync(join(folder, 'm.log'), 'new 2\n');
  const second = await reader.read(first.marks);
  assert.deepEqual(
    second.chunks.map((c) => [c.file, c.text]),
    [
      ['m.log.1', 'new 1\n'],
      ['m.log', 'new 2\n'],
    ],
  );
});

test('a backlog larger than one read is caught up over several, at line boundaries', async (t) => {
  const folder = join(tempDir(t), 'logs');
  mkdirSync(folder);
  const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(i % 40)}\n`);
  writeFileSync(join(folder, 'big.log'), lines.join(''));
  const reader = tail(folder, 'beginning', 8192);
  let marks: string | undefined;
  let text = '';
  let reads = 0;
  for (;;) {
    const result = await reader.read(marks);
    marks = result.marks;
    if (result.chunks.length === 0) break;
    reads++;
    for (const chunk of result.chunks) {
      assert.ok(chunk.text.endsWith('\n'));
      text += chunk.text;
    }
  }
  assert.equal(text, lines.join(''));
  assert.ok(reads > 5, `${reads} reads`);
});

test('a missing folder is an unreachable machine, named with the fix', async (t) => {
  await assert.rejects(
    tail(join(tempDir(t), 'nope')).read(undefined),
    (error: Error & { failure: string }) => {
      assert.equal(error.failure, 'unreachable');
      assert.match(error.message, /cannot be read \(ENOENT\); check that the share is mounted/);
      return true;
    },
  );
});
