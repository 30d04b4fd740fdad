import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfigFile } from './load.ts';

test('resources/echo.sample.yml is a valid configuration', () => {
  const config = loadConfigFile(new URL('../../../resources/echo.sample.yml', import.meta.url).pathname, {});
  assert.equal(config.machines.length, 1);
  assert.equal(config.store.when_full, 'drop_oldest_captures');
});
