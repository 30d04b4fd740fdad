import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountKey } from './cloud-account-collector.ts';

test('one vendor account, one poller key: a trailing slash on the API URL does not make a second account', () => {
  assert.equal(
    accountKey('carbon', 'https://api.carbon3d.com/v1/', 'shop'),
    accountKey('carbon', 'https://api.carbon3d.com/v1', 'shop'),
  );
  assert.notEqual(
    accountKey('carbon', 'https://api.carbon3d.com/v1', 'shop'),
    accountKey('carbon', 'https://api.carbon3d.com/v1', 'lab'),
  );
});
