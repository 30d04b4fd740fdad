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

test('the config file’s api token is left out when the app points cloud.url at another origin; the environment is trusted like the file', (t) => {
  const dir = tempDir(t);
  const file = (env: { ECHO_CLOUD_URL?: string } = {}) =>
    resolveConfig(
      {
        data_dir: dir,
        cloud: {
          url: 'https://file.example/api/',
          events_url: 'https://events.file.example/',
          api_token: { uuid: 'u', secret: 's' },
        },
      },
      env,
    );

  const elsewhere = applyLocalSettings(file(), { cloud: { url: 'https://app.example/' } }, {});
  assert.equal(elsewhere.cloud.url, 'https://app.example/');
  assert.equal(elsewhere.cloud.api_token, undefined);
  assert.equal(elsewhere.cloud.events_url, undefined, 'the file cloud’s events_url goes with it');
  assert.deepEqual(elsewhere.withheldApiToken, {
    configuredFor: 'https://file.example',
    cloud: 'https://app.example',
  });
  // Applying a change on top of that (the settings screen validates so) still loads.
  applyLocalSettings(elsewhere, { cloud: { url: 'https://other.example/' } }, {});

  const sameOrigin = applyLocalSettings(file(), { cloud: { url: 'https://file.example/v2/' } }, {});
  assert.deepEqual(sameOrigin.cloud.api_token, { uuid: 'u', secret: 's' });
  assert.equal(sameOrigin.cloud.events_url, 'https://events.file.example/');
  assert.equal(sameOrigin.withheldApiToken, undefined);

  const env = { ECHO_CLOUD_URL: 'https://env.example/' };
  const pinned = applyLocalSettings(file(env), { cloud: { url: 'https://app.example/' } }, env);
  assert.equal(pinned.cloud.url, 'https://env.example/');
  assert.deepEqual(pinned.cloud.api_token, { uuid: 'u', secret: 's' }, 'the administrator set both');
  assert.equal(pinned.withheldApiToken, undefined);
});
