import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { LogTail, type LogTailOptions, type TailNotice } from './log-tail.ts';

/**
 * A machine PC writing numbered lines to `m.log` and rotating it, and Echo's tail reading the
 * folder: `poll()` is one poll (marks saved as the collector saves them), so a "downtime" is
 * simply writes and rotations with no poll in between.
 */
function scene(t: Parameters<typeof tempDir>[0], options: Partial<LogTailOptions> = {}) {
  const folder = join(tempDir(t), 'logs');
  mkdirSync(folder);
  const path = (name: string) => join(folder, name);
  const tail = new LogTail({
    folder,
    pattern: '*.log',
    startAt: 'beginning',
    maxChunkBytes: 1 << 20,
    maxLineBytes: 64 * 1024,
    encoding: 'utf8',
    ...options,
  });
  let next = 0;
  let marks: string | undefined;
  const received: number[] = [];
  const notices: TailNotice[] = [];
  return {
    folder,
    path,
    /** Appends `count` lines (a fixed header first, as some machines write: heads look alike). */
    write(count: number, name = 'm.log') {
      let text = '';
      for (let i = 0; i < count; i++) text += `2026-12-06T05:00:00Z INFO machine state line ${next++}\n`;
      appendFileSync(path(name), text);
    },
    /** logrotate's default: rename the numbered files up, then `m.log` to `m.log.1`. */
    rotateRename(keep = 3) {
      rmSync(path(`m.log.${keep}`), { force: true });
      for (let i = keep - 1; i >= 1; i--) {
        try {
          renameSync(path(`m.log.${i}`), path(`m.log.${i + 1}`));
        } catch {
          // not there yet
        }
      }
      renameSync(path('m.log'), path('m.log.1'));
      writeFileSync(path('m.log'), '');
    },
    /** logrotate's copytruncate: copy `m.log` to `m.log.1`, then truncate it in place. */
    rotateCopyTruncate() {
      copyFileSync(path('m.log'), path('m.log.1'));
      truncateSync(path('m.log'), 0);
    },
    async poll() {
      for (;;) {
        const result = await tail.read(marks);
        marks = result.marks;
        notices.push(...result.notices);
        for (const chunk of result.chunks) {
          for (const line of chunk.text.split('\n')) {
            const match = / line (\d+)$/.exec(line);
            if (match) received.push(Number(match[1]));
          }
        }
        if (result.chunks.length === 0) return;
      }
    },
    /** Every line written was read exactly once, in order within each file's life. */
    assertEveryLineOnce() {
      const counts = new Map<number, number>();
      for (const n of received) counts.set(n, (counts.get(n) ?? 0) + 1);
      const missing = Array.from({ length: next }, (_, i) => i).filter((i) => !counts.has(i));
      const twice = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
      assert.deepEqual({ missing, twice }, { missing: [], twice: [] }, `${next} lines written`);
    },
    get received() {
      return received;
    },
    notices,
    get written() {
      return next;
    },
  };
}

test('renamed twice while Echo was down: the known file is finished, the unseen one read whole, then the new one', async (t) => {
  const s = scene(t);
  s.write(50);
  await s.poll();
  // Echo is down: a burst into m.log, a rotation, a burst into the new m.log, another rotation.
  s.write(400);
  s.rotateRename();
  s.write(300);
  s.rotateRename();
  s.write(20);
  await s.poll();
  s.assertEveryLineOnce();
  assert.deepEqual(
    s.received,
    Array.from({ length: s.written }, (_, i) => i),
    'in the order they were written',
  );
});

test('copytruncate while Echo runs: the lines between the last read and the truncation come from the copy', async (t) => {
  const s = scene(t);
  s.write(10);
  await s.poll();
  for (let round = 0; round < 5; round++) {
    s.write(37); // written after the last poll, before the copy: only the copy holds them
    s.rotateCopyTruncate();
    s.write(3);
    await s.poll();
  }
  s.assertEveryLineOnce();
});

test('copytruncate several times while Echo was down: the last copy Echo can match is finished', async (t) => {
  const s = scene(t);
  s.write(10);
  await s.poll();
  s.write(200);
  s.rotateCopyTruncate(); // m.log.1 continues what Echo read
  s.write(100);
  await s.poll();
  s.assertEveryLineOnce();
  s.write(100);
  // With a single m.log.1, a second copytruncate overwrites the first copy: the lines of the first
  // copy that Echo had not read would be gone. Numbered copies keep them.
  renameSync(s.path('m.log.1'), s.path('m.log.2'));
  s.rotateCopyTruncate();
  s.write(5);
  await s.poll();
  s.assertEveryLineOnce();
});

test('a followed file renamed to a name outside the pattern and its family is still found, by inode', async (t) => {
  const s = scene(t);
  s.write(10);
  await s.poll();
  s.write(25);
  renameSync(s.path('m.log'), s.path('archive-0001.txt'));
  s.write(5);
  await s.poll();
  s.assertEveryLineOnce();
});

test('on a share without stable inodes, renamed and copied files are recognised by their content', async (t) => {
  const s = scene(t, { identifyBy: 'content' });
  s.write(10);
  await s.poll();
  s.write(30);
  s.rotateRename();
  s.write(10);
  await s.poll();
  s.write(40);
  s.rotateCopyTruncate();
  s.write(10);
  await s.poll();
  s.write(5);
  await s.poll();
  s.assertEveryLineOnce();
});

test('rotated files there at the first scan and compressed ones are not read; a deletion before the end is said', async (t) => {
  const s = scene(t);
  writeFileSync(s.path('m.log.3'), 'old history that predates Echo line 999999\n');
  s.write(10);
  await s.poll();
  s.write(10);
  s.rotateRename();
  // logrotate's compress: the rotated file becomes m.log.2.gz (binary) once Echo has read it.
  await s.poll();
  writeFileSync(s.path('m.log.2.gz'), gzipSync(readFileSync(s.path('m.log.1'))));
  rmSync(s.path('m.log.1'));
  s.write(10);
  await s.poll();
  s.assertEveryLineOnce();
  assert.equal(s.received.includes(999_999), false, 'history from before Echo is not sent');
  assert.deepEqual(
    s.notices.map((n) => [n.file, n.kind, n.unreadBytes]),
    [['m.log.1', 'gone', 0]],
  );
});

test('start_at end in the middle of a line waits for the next whole line', async (t) => {
  const s = scene(t, { startAt: 'end' });
  s.write(3);
  appendFileSync(s.path('m.log'), '2026-12-06T05:00:00Z INFO half a li');
  await s.poll();
  appendFileSync(s.path('m.log'), 'ne\n');
  s.write(2);
  await s.poll();
  assert.deepEqual(s.received, [3, 4]);
});

test('positions saved by an earlier Echo (identity → mark) are taken over', async (t) => {
  const s = scene(t);
  s.write(4);
  const { ino, dev } = await import('node:fs').then((fs) => fs.statSync(s.path('m.log')));
  const head = readFileSync(s.path('m.log'));
  const { createHash } = await import('node:crypto');
  const legacy = {
    [`${dev}:${ino}`]: {
      name: 'm.log',
      offset: head.length,
      head: createHash('sha1').update(head.subarray(0, 256)).digest('hex'),
      headLength: Math.min(256, head.length),
    },
  };
  writeFileSync(s.path('m.log.1'), 'rotated before the upgrade line 888888\n');
  const tail = new LogTail({
    folder: s.folder,
    pattern: '*.log',
    startAt: 'beginning',
    maxChunkBytes: 1 << 20,
    maxLineBytes: 64 * 1024,
    encoding: 'utf8',
  });
  s.write(2);
  const result = await tail.read(JSON.stringify(legacy));
  assert.deepEqual(
    result.chunks.map((c) => c.text.trim().split('\n').length),
    [2],
    'only the lines after the saved position',
  );
  assert.equal(JSON.parse(result.marks).v, 2);
});
