import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { RotatingFile } from './rotating-file.ts';

const line = (msg: string) => `${JSON.stringify({ level: 30, msg })}\n`;

test('a log file that cannot be written drops lines (counted), never throws, and says so when it can', (t) => {
  const dir = join(tempDir(t), 'logs');
  let now = 0;
  const file = new RotatingFile(join(dir, 'echo.log'), 1024 * 1024, 3, () => now);
  file.write(line('before'));
  // The folder goes away and a file stands in its place: every open and write fails.
  file.close();
  const reopened = new RotatingFile(join(dir, 'echo.log'), 1024 * 1024, 3, () => now);
  renameSync(dir, `${dir}.away`);
  writeFileSync(dir, 'not a folder');
  t.after(() => rmSync(dir, { force: true }));
  reopened.write(line('one')); // the descriptor is still open: this one lands in the moved file
  (reopened as unknown as { fd: number | undefined }).fd = undefined; // as after a failed write
  assert.doesNotThrow(() => reopened.write(line('lost 1')));
  now += 1000;
  reopened.write(line('lost 2'));
  assert.equal(reopened.dropped, 2);
  // Back: after the retry delay the next line is written, after a line that says what was lost.
  rmSync(dir);
  renameSync(`${dir}.away`, dir);
  now += 10_000;
  reopened.write(line('after'));
  reopened.close();
  const text = readFileSync(join(dir, 'echo.log'), 'utf8');
  assert.match(text, /"msg":"2 log lines could not be written to this file \(E[A-Z]+\)"/);
  assert.match(text, /"msg":"after"/);
  assert.doesNotMatch(text, /lost 1|lost 2/);
});
