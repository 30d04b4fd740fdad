import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import pino from 'pino';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { allCollectors } from '../../collectors/all.ts';
import { machineSchema } from '../../shared/config/schema.ts';
import { MachineSet } from './machine-set.ts';

const machine = (name: string, modeler?: string) =>
  machineSchema.parse({
    name,
    collector: 'ultimaker',
    connection: { host: '10.0.0.1' },
    ...(modeler ? { modeler } : {}),
  });

test('machines from the config, the UI and the cloud: one index, the config wins, the lists persist', (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  const logger = pino({ level: 'silent' });
  const open = () => new MachineSet([machine('cfg')], dir, store.stats, allCollectors(), logger, true);
  const set = open();
  set.addLocal(machine('ui-1', 'http://cloud/modeler/1/'));
  assert.equal(set.setCloud([machine('cloud-1'), machine('cfg')]), true);
  assert.equal(set.setCloud([machine('cloud-1'), machine('cfg')]), false, 'unchanged');
  // A machine added in the UI is found like any other (its captures need its modeler URI).
  assert.equal(set.get('ui-1')?.modeler, 'http://cloud/modeler/1/');
  assert.equal(set.origin('ui-1'), 'ui');
  assert.equal(set.origin('cfg'), 'config', 'the config wins over a cloud machine of the same name');

  const reopened = open();
  assert.deepEqual(
    reopened.all().map((m) => m.name),
    ['cfg', 'ui-1', 'cloud-1'],
    'both lists survive a restart; the duplicate is dropped',
  );
  assert.equal(reopened.removeLocal('cfg'), false, 'config machines are not removed here');
  assert.equal(reopened.removeLocal('ui-1'), true);
  assert.equal(reopened.get('ui-1'), undefined);
});

test('a machine saved by the app with a reference other than its own store entry loses that reference', (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  const saved = [
    { ...machine('leaky'), credentials: { username: 'u', password_ref: 'file:/etc/hostname' } },
    { ...machine('own'), credentials: { password_ref: 'store:machine-own' } },
  ];
  writeFileSync(join(dir, 'machines.local.json'), JSON.stringify(saved));
  const set = new MachineSet([], dir, store.stats, allCollectors(), pino({ level: 'silent' }), false);
  assert.deepEqual(set.get('leaky')?.credentials, { username: 'u' });
  assert.equal(set.get('own')?.credentials?.password_ref, 'store:machine-own');
});

test('a foreign reference dropped at start is dropped from machines.local.json too: warned about once, not at every start', (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  const file = join(dir, 'machines.local.json');
  const saved = [
    { ...machine('leaky'), credentials: { username: 'u', password_ref: 'env:HOME' } },
    // A collector this build lacks: not run, and not lost from the file either.
    { ...machine('elsewhere'), collector: 'not-in-this-build' },
  ];
  writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const open = () => new MachineSet([], dir, store.stats, allCollectors(), logger, false);

  assert.deepEqual(open().get('leaky')?.credentials, { username: 'u' });
  const file1 = JSON.parse(readFileSync(file, 'utf8')) as Array<{ name: string; credentials?: object }>;
  assert.deepEqual(
    file1.map((m) => m.name),
    ['leaky', 'elsewhere'],
  );
  assert.deepEqual(file1[0]?.credentials, { username: 'u' }, 'saved without the reference');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(warnings.filter((w) => w.includes('outside its own store entry')).length, 1);

  assert.deepEqual(open().get('leaky')?.credentials, { username: 'u' });
  assert.equal(warnings.filter((w) => w.includes('outside its own store entry')).length, 1, 'not again');
});

test('saving the app machines is atomic: a save that fails before its data is on disk leaves the old list whole', (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  const set = new MachineSet([], dir, store.stats, allCollectors(), pino({ level: 'silent' }), false);
  set.addLocal(machine('ui-1'));
  const before = readFileSync(join(dir, 'machines.local.json'), 'utf8');

  // The disk fails while the new list is written (EIO, a full disk, the power).
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const failing = mock.method(fs, 'fsyncSync', () => {
    throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
  });
  syncBuiltinESMExports();
  t.after(() => {
    failing.mock.restore();
    syncBuiltinESMExports();
  });
  assert.throws(() => set.addLocal(machine('ui-2')), /EIO/);
  assert.equal(readFileSync(join(dir, 'machines.local.json'), 'utf8'), before);
});
