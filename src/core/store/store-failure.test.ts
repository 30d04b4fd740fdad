import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { classifyStoreFailure, explainUnwritable } from './store-failure.ts';

const failure = (code: string) => Object.assign(new Error(code), { code });

test('full disks, unwritable folders, damage and bugs are told apart by their codes', (t) => {
  const dir = tempDir(t);
  const cases: Array<[string, string]> = [
    ['SQLITE_FULL', 'disk_full'],
    ['ENOSPC', 'disk_full'],
    ['EDQUOT', 'disk_full'],
    ['SQLITE_READONLY', 'unwritable'],
    ['SQLITE_READONLY_DBMOVED', 'unwritable'],
    ['SQLITE_CANTOPEN', 'unwritable'],
    ['EACCES', 'unwritable'],
    ['EROFS', 'unwritable'],
    ['ENOTDIR', 'unwritable'],
    ['ESTALE', 'unwritable'],
    ['SQLITE_CORRUPT', 'corrupt'],
    ['SQLITE_NOTADB', 'corrupt'],
    // An I/O error on a disk with room, in a folder that can be written: damage.
    ['SQLITE_IOERR_SHORT_READ', 'corrupt'],
    ['SQLITE_CONSTRAINT_UNIQUE', 'other'],
  ];
  for (const [code, kind] of cases) assert.equal(classifyStoreFailure(failure(code), dir), kind, code);
  assert.equal(classifyStoreFailure(new Error('no code'), dir), 'other');
  assert.equal(classifyStoreFailure('a string', dir), 'other');
});

test('an I/O error in a folder that is gone is an unwritable store, not damage', (t) => {
  const gone = join(tempDir(t), 'share-that-went-away');
  assert.equal(classifyStoreFailure(failure('SQLITE_IOERR_WRITE'), gone), 'unwritable');
});

test('why a folder cannot be written is said from the nearest folder that exists', (t) => {
  const dir = tempDir(t);
  assert.equal(explainUnwritable(dir), undefined);
  assert.equal(explainUnwritable(join(dir, 'a', 'b')), `${join(dir, 'a', 'b')} does not exist`);
});
