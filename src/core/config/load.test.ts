import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { ConfigError } from '../../shared/errors.ts';
import { loadConfigFile, resolveConfig } from './load.ts';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('no error');
}

test('defaults fill in a minimal config', () => {
  const config = resolveConfig({ cloud: { url: 'https://cloud.example/' } }, {});
  assert.equal(config.intervals.health, 60);
  assert.equal(config.store.when_full, 'drop_oldest_captures');
  assert.equal(config.api.host, '127.0.0.1');
  assert.ok(config.workstation_name.length > 0);
  assert.ok(config.data_dir.length > 0);
});

test('a missing cloud url is one clear message naming the field', () => {
  assert.deepEqual(
    problemsOf(() => resolveConfig({ machines: [] }, {})),
    ['cloud: required (expected object)'],
  );
  assert.deepEqual(
    problemsOf(() => resolveConfig({ cloud: {} }, {})),
    ['cloud.url: required (expected string)'],
  );
});

test('wrong types name the path, the expected type and the value given', () => {
  const problems = problemsOf(() =>
    resolveConfig({ cloud: { url: 'https://c/' }, intervals: { health: '60s' } }, {}),
  );
  assert.deepEqual(problems, ['intervals.health: expected number, got "60s"']);
});

test('unknown keys are refused, with the key named', () => {
  const problems = problemsOf(() => resolveConfig({ cloud: { url: 'https://c/', urll: 'x' }, stor: {} }, {}));
  assert.equal(problems.length, 2);
  assert.match(problems.find((p) => p.startsWith('cloud'))!, /unknown key "urll"/);
  assert.match(problems.find((p) => p.startsWith('(top level)'))!, /unknown key "stor"/);
});

test('enums list what is allowed', () => {
  const [problem] = problemsOf(() =>
    resolveConfig({ cloud: { url: 'https://c/' }, store: { when_full: 'explode' } }, {}),
  );
  assert.equal(
    problem,
    'store.when_full: must be one of "drop_oldest_captures", "stop_collecting", got "explode"',
  );
});

test('the api token needs exactly one of secret or secret_ref, and refs have a known scheme', () => {
  const both = problemsOf(() =>
    resolveConfig(
      { cloud: { url: 'https://c/', api_token: { uuid: 'u', secret: 's', secret_ref: 'env:X' } } },
      {},
    ),
  );
  assert.match(both[0]!, /exactly one of "secret" or "secret_ref"/);
  const badRef = problemsOf(() =>
    resolveConfig({ cloud: { url: 'https://c/', api_token: { uuid: 'u', secret_ref: 'vault:x' } } }, {}),
  );
  assert.match(badRef[0]!, /cloud\.api_token\.secret_ref: must be "env:VARIABLE"/);
});

test('a cloud url with a user or password in it is refused, naming the field and the fix', () => {
  const [url] = problemsOf(() => resolveConfig({ cloud: { url: 'https://ops:s3cret@api.example/' } }, {}));
  assert.match(url!, /^cloud\.url: the URL holds a user or password: remove it/);
  assert.doesNotMatch(url!, /s3cret/, 'the password is not repeated in the error');
  assert.match(url!, /got "https:\/\/ops:\*\*\*@api\.example\/"$/);
  const [events] = problemsOf(() =>
    resolveConfig({ cloud: { url: 'https://api.example/', events_url: 'https://u@events.example/' } }, {}),
  );
  assert.match(events!, /^cloud\.events_url: the URL holds a user or password/);
});

test('an http:// cloud url or events_url off this PC is refused unless cloud.allow_insecure_http', () => {
  const [url, events] = problemsOf(() =>
    resolveConfig({ cloud: { url: 'http://api.example/', events_url: 'http://events.example/' } }, {}),
  );
  assert.match(
    url!,
    /^cloud\.url: plain http:\/\/ .*use https:\/\/, or set cloud\.allow_insecure_http: true/,
  );
  assert.match(url!, /got "http:\/\/api\.example\/"$/);
  assert.match(events!, /^cloud\.events_url: plain http:\/\//);
  // ECHO_CLOUD_URL goes through the same check.
  assert.match(
    problemsOf(() => resolveConfig({ cloud: { url: 'https://c/' } }, { ECHO_CLOUD_URL: 'http://lab/' }))[0]!,
    /^cloud\.url: plain http/,
  );
  const lab = resolveConfig({ cloud: { url: 'http://lab.local/', allow_insecure_http: true } }, {});
  assert.equal(lab.cloud.url, 'http://lab.local/');
  assert.equal(resolveConfig({ cloud: { url: 'https://c/' } }, {}).cloud.allow_insecure_http, false);
  // Loopback never leaves the PC (the emulator, the demo and the tests): no flag needed.
  for (const loopback of [
    'http://127.0.0.1:8080/',
    'http://127.9.9.9/',
    'http://localhost/',
    'http://[::1]:1/',
  ])
    assert.equal(resolveConfig({ cloud: { url: loopback, events_url: loopback } }, {}).cloud.url, loopback);
});

test('duplicate machine names are refused', () => {
  const problems = problemsOf(() =>
    resolveConfig(
      {
        cloud: { url: 'https://c/' },
        machines: [
          { name: 'a', collector: 'x' },
          { name: 'a', collector: 'y' },
        ],
      },
      {},
    ),
  );
  assert.match(problems[0]!, /duplicate name "a"/);
});

test('environment variables override the file', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'echo.yml');
  writeFileSync(file, 'cloud:\n  url: https://file.example/\nlog:\n  level: info\n');
  const config = loadConfigFile(file, {
    ECHO_DATA_DIR: join(dir, 'data'),
    ECHO_CLOUD_URL: 'https://env.example/',
    ECHO_LOG_LEVEL: 'debug',
  });
  assert.equal(config.cloud.url, 'https://env.example/');
  assert.equal(config.data_dir, join(dir, 'data'));
  assert.equal(config.log.level, 'debug');
});

test('a file that is not YAML, or missing, says so', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.yml');
  writeFileSync(file, 'cloud: [unclosed');
  assert.throws(
    () => loadConfigFile(file, {}),
    (e: ConfigError) => e.code === 'ECHO_ERR_CONFIG_PARSE',
  );
  assert.throws(
    () => loadConfigFile(join(dir, 'nope.yml'), {}),
    (e: ConfigError) => e.code === 'ECHO_ERR_CONFIG_NOT_FOUND',
  );
});

test('JSON config files are accepted', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'echo.json');
  writeFileSync(
    file,
    JSON.stringify({ cloud: { url: 'https://c/' }, machines: [{ name: 'm', collector: 'ultimaker' }] }),
  );
  assert.equal(loadConfigFile(file, {}).machines[0]!.poll_interval, 30);
});
