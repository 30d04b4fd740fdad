import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { ConfigError } from '../../shared/errors.ts';
import { resolveConfig } from './load.ts';
import {
  applyLocalSettings,
  describeEditableSettings,
  LOCAL_SETTINGS_FILE,
  localSettingsPatchSchema,
  mergeLocalSettings,
  readLocalSettings,
  withLocalSettings,
  writeLocalSettings,
} from './local-settings.ts';

function config(dataDir: string) {
  return resolveConfig(
    {
      data_dir: dataDir,
      cloud: { url: 'https://file.example/' },
      intervals: { health: 30 },
      log: { level: 'warn' },
    },
    {},
    '/etc/echo/echo.yml',
  );
}

test('settings changed in the app apply over the file; null gives the file its value back', (t) => {
  const dir = tempDir(t);
  const base = config(dir);
  let settings = mergeLocalSettings(
    {},
    { intervals: { health: 120 }, store: { when_full: 'stop_collecting' } },
  );
  writeLocalSettings(dir, settings);
  assert.equal(statSync(join(dir, LOCAL_SETTINGS_FILE)).mode & 0o777, 0o600);
  const applied = withLocalSettings(base, {});
  assert.equal(applied.intervals.health, 120);
  assert.equal(applied.store.when_full, 'stop_collecting');
  assert.equal(applied.intervals.logs_flush, base.intervals.logs_flush);
  assert.equal(applied.source, '/etc/echo/echo.yml');
  settings = mergeLocalSettings(readLocalSettings(dir), { intervals: { health: null } });
  assert.deepEqual(settings, { store: { when_full: 'stop_collecting' } });
  writeLocalSettings(dir, settings);
  assert.equal(withLocalSettings(base, {}).intervals.health, 30);
});

test('the environment still wins over the app for the keys it pins', (t) => {
  const dir = tempDir(t);
  const settings = { cloud: { url: 'https://app.example/' }, log: { level: 'debug' as const } };
  const env = { ECHO_CLOUD_URL: 'https://env.example/' };
  const applied = applyLocalSettings(config(dir), settings, env);
  assert.equal(applied.cloud.url, 'https://file.example/'); // the file's value (the env applies at load)
  assert.equal(applied.log.level, 'debug');
  writeLocalSettings(dir, settings);
  const described = describeEditableSettings(config(dir), env);
  assert.equal(described.sources['cloud.url'], 'environment');
  assert.equal(described.sources['log.level'], 'app');
  assert.equal(described.sources['intervals.health'], 'config');
  assert.equal(described.values.intervals?.health, 30);
  const schema = described.schema as { properties: Record<string, { properties: Record<string, unknown> }> };
  assert.ok(schema.properties.store?.properties.when_full);
});

test('bad values are refused naming the field; a damaged file names itself and the fix', (t) => {
  const dir = tempDir(t);
  const patch = localSettingsPatchSchema.safeParse({ intervals: { health: 0 }, log: { colour: 'red' } });
  assert.equal(patch.success, false);
  const paths = patch.error?.issues.map((i) => i.path.join('.')) ?? [];
  assert.ok(paths.includes('intervals.health'), paths.join());
  assert.ok(paths.includes('log'), paths.join());
  assert.equal(localSettingsPatchSchema.safeParse({ machines: [] }).success, false);

  writeFileSync(join(dir, LOCAL_SETTINGS_FILE), '{"intervals": {"health": "often"}}');
  assert.throws(
    () => readLocalSettings(dir),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.includes(LOCAL_SETTINGS_FILE) &&
      error.problems.some((p) => p.startsWith('intervals.health')),
  );
  writeFileSync(join(dir, LOCAL_SETTINGS_FILE), '{ not json');
  assert.throws(() => readLocalSettings(dir), /not valid JSON/);
  assert.match(readFileSync(join(dir, LOCAL_SETTINGS_FILE), 'utf8'), /not json/);
});
