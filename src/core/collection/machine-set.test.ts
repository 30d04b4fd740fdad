import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
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
