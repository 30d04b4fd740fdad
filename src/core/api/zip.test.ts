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
