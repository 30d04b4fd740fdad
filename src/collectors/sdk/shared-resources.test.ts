import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceScope } from './shared-resources.ts';

test('a shared resource is made once per scope, closed once with it, and never after', async () => {
  const scope = new ResourceScope();
  const other = new ResourceScope();
  const closed: string[] = [];
  let made = 0;
  const make = () => ({ id: ++made });
  const a = scope.get('pools', make, (v) => void closed.push(`pools#${v.id}`));
  assert.equal(scope.get('pools', make), a, 'the same object for the same key');
  assert.notEqual(other.get('pools', make), a, 'another scope (another agent) has its own');
  scope.get(
    'broken',
    () => 1,
    () => {
      throw new Error('close failed');
    },
  );
  scope.get(
    'trust',
    () => 2,
    async () => void closed.push('trust'),
  );
  await assert.rejects(scope.close(), /close failed/);
  assert.deepEqual(closed.sort(), ['pools#1', 'trust'], 'one failure does not keep the others open');
  assert.throws(() => scope.get('pools', make), /after its collection stopped/);
  await other.close();
});
