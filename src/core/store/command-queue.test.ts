import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';

const command = (n: number, via: 'stream' | 'poll' = 'stream') => ({
  uri: `https://cloud.example/modeler-command/${n}/`,
  type: 'pause_job',
  machine: 'printer-1',
  modeler: 'https://cloud.example/modeler/1/',
  payload: '{}',
  via,
});

test('a command is kept once whatever delivers it, and moves only from the state it is in', (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  assert.equal(store.commands.receive(command(1)), true);
  assert.equal(store.commands.receive(command(1, 'poll')), false, 'the poll delivers the same command');
  const [stored] = store.commands.recent({ limit: 5 });
  assert.equal(stored!.via, 'stream');
  assert.equal(store.commands.nextReceived()?.id, stored!.id);
  assert.equal(store.commands.transition(stored!.id, 'received', 'processing'), true);
  assert.equal(
    store.commands.transition(stored!.id, 'received', 'processing'),
    false,
    'already left received',
  );
  assert.equal(store.commands.nextReceived(), undefined);
  store.close();

  // The process died while it ran: a new store finds it left processing, never to run again.
  const reopened = openTestStore(dir);
  t.after(() => reopened.close());
  const left = reopened.commands.leftProcessing();
  assert.deepEqual(
    left.map((c) => [c.uri, c.state]),
    [[command(1).uri, 'processing']],
  );
  assert.equal(reopened.commands.nextReceived(), undefined, 'never to run again');
  reopened.commands.transition(stored!.id, 'processing', 'error', { reason: 'interrupted', response: '{}' });
  assert.equal(reopened.commands.receive(command(1)), false, 'a restart does not receive it anew');
  assert.deepEqual(
    reopened.commands.unreported().map((c) => c.reported),
    [undefined],
    'the cloud still has to hear processing, then error',
  );
  reopened.commands.markReported(stored!.id, 'processing');
  assert.equal(reopened.commands.unreported().length, 1);
  reopened.commands.markReported(stored!.id, 'error');
  assert.equal(reopened.commands.unreported().length, 0);
  assert.deepEqual(reopened.commands.counts(), { open: 0, awaitingConfirmation: 0, unreported: 0 });
});
