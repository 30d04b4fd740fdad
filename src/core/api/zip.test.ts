import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { zipFiles } from './zip.ts';

test('a diagnostics zip opens with a standard tool (python zipfile, CRCs checked)', (t) => {
  const path = join(tempDir(t), 'd.zip');
  writeFileSync(
    path,
    zipFiles([
      { name: 'status.json', content: '{"ok":true}' },
      { name: 'logs/recent.jsonl', content: Buffer.from('line 1\nline 2\nüñï\n') },
    ]),
  );
  const check = spawnSync(
    'python3',
    [
      '-c',
      'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("|".join(f"{i.filename}:{len(z.read(i))}" for i in z.infolist()))',
      path,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(check.status, 0, check.stderr);
  assert.equal(check.stdout.trim(), 'status.json:11|logs/recent.jsonl:21');
});

test('the entries are stored (not compressed), in order, with their date, and a name twice is refused', () => {
  const when = new Date(2026, 10, 26, 14, 30, 10);
  const zip = zipFiles(
    [
      { name: 'README.txt', content: 'hello' },
      { name: 'dir/ü.json', content: Buffer.from('{}') },
    ],
    when,
  );
  // First local header: signature, stored (method 0), DOS time and date of `when`, sizes 5/5.
  assert.equal(zip.readUInt32LE(0), 0x04034b50);
  assert.equal(zip.readUInt16LE(8), 0);
  assert.equal(zip.readUInt16LE(10), (14 << 11) | (30 << 5) | 5);
  assert.equal(zip.readUInt16LE(12), ((2026 - 1980) << 9) | (11 << 5) | 26);
  assert.equal(zip.readUInt32LE(18), 5);
  assert.equal(zip.readUInt32LE(22), 5);
  assert.equal(zip.toString('utf8', 30, 40), 'README.txt');
  assert.equal(zip.toString('utf8', 40, 45), 'hello');
  // End of central directory: two entries.
  assert.equal(zip.readUInt32LE(zip.length - 22), 0x06054b50);
  assert.equal(zip.readUInt16LE(zip.length - 12), 2);
  assert.throws(
    () =>
      zipFiles([
        { name: 'a.txt', content: '1' },
        { name: 'a.txt', content: '2' },
      ]),
    /given twice/,
  );
});
