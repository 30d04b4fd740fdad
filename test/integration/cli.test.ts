import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { SEED_TOKEN, startEmulator, tempDir, waitFor } from '../helpers/harness.ts';

const BIN = join(import.meta.dirname, '../../bin/echo-agent.js');

function run(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...options.env },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

test('validate-config: a bad file gives one line per problem and exit code 2', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.yml');
  writeFileSync(file, 'cloud:\n  urll: https://x/\nintervals:\n  health: fast\n');
  const result = await run(['validate-config', file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /cloud\.url: required/);
  assert.match(result.stderr, /unknown key "urll"/);
  assert.match(result.stderr, /intervals\.health: expected number, got "fast"/);
  const good = join(dir, 'good.yml');
  writeFileSync(good, 'cloud:\n  url: https://cloud.example/\n');
  const ok = await run(['validate-config', good]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^OK/);

  // What the agent will run with includes the settings changed in the app, checked as well.
  const withData = join(dir, 'with-data.yml');
  writeFileSync(withData, `cloud:\n  url: https://cloud.example/\ndata_dir: ${JSON.stringify(dir)}\n`);
  writeFileSync(
    join(dir, 'settings.local.json'),
    '{"cloud": {"url": "https://app.example/"}, "intervals": {"health": 90}}',
  );
  const changed = await run(['validate-config', withData]);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /cloud https:\/\/app\.example\//);
  assert.match(
    changed.stdout,
    /changed in the app \(.*settings\.local\.json\): cloud\.url, intervals\.health/,
  );
  writeFileSync(join(dir, 'settings.local.json'), '{"log": {"level": "loud"}}');
  const damaged = await run(['validate-config', withData]);
  assert.equal(damaged.code, 2);
  assert.match(damaged.stderr, /settings\.local\.json/);
  assert.match(damaged.stderr, /log\.level/);
});

test('validate-config: an http:// cloud url off this PC is refused, naming the field and the fix', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'http.yml');
  writeFileSync(file, 'cloud:\n  url: http://api.example.com/\n');
  const refused = await run(['validate-config', file]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /cloud\.url: plain http:\/\/ would send the cloud credential/);
  assert.match(refused.stderr, /use https:\/\/, or set cloud\.allow_insecure_http: true/);
  writeFileSync(file, 'cloud:\n  url: http://api.example.com/\n  allow_insecure_http: true\n');
  assert.equal((await run(['validate-config', file])).code, 0);
});

test('unknown commands and flags are usage errors (exit 2)', async () => {
  assert.equal((await run(['frobnicate'])).code, 2);
  const flag = await run(['status', '--frob']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Usage: echo-agent/);
});

test('run, status --json while running, SIGTERM drains and exits 0 within 10 s, status after', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const dir = tempDir(t);
  const file = join(dir, 'echo.yml');
  writeFileSync(
    file,
    stringify({
      data_dir: join(dir, 'data'),
      cloud: { url: emulator.url, api_token: { uuid: SEED_TOKEN.uuid, secret_ref: 'env:TEST_TOKEN_SECRET' } },
      machines: [
        {
          name: 'p1',
          collector: 'ultimaker',
          connection: { host: '127.0.0.1', port: 9 },
          modeler: modelers.p1,
        },
      ],
    }),
  );
  const env = { TEST_TOKEN_SECRET: SEED_TOKEN.secret };
  const agent: ChildProcess = spawn(process.execPath, [BIN, 'run', '--config', file], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
  t.after(() => agent.kill('SIGKILL'));
  let logs = '';
  agent.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  await waitFor(() => logs.includes('Echo agent started'), 20_000, 'agent start');
  await waitFor(() => emulator.state.eccos.size === 1, 10_000, 'registration');

  const status = await run(['status', '--json', '--config', file], { env });
  assert.equal(status.code, 0, status.stderr);
  const body = JSON.parse(status.stdout) as {
    running: boolean;
    cloud: { auth: string; registered: boolean };
  };
  assert.equal(body.running, true);
  assert.equal(body.cloud.auth, 'signed_in');
  assert.equal(body.cloud.registered, true);
  assert.ok(!logs.includes(SEED_TOKEN.secret), 'the secret never appears in logs');

  const stopAt = Date.now();
  agent.kill('SIGTERM');
  const code = await new Promise((resolve) => agent.on('exit', resolve));
  assert.equal(code, 0);
  assert.ok(Date.now() - stopAt < 10_000, 'stopped within 10 s');
  const after = await run(['status', '--config', file], { env });
  assert.equal(after.code, 3);
  assert.match(after.stdout, /not running/);
});

test('login --password-stdin stores a token owner-only and never the password', async (t) => {
  const { emulator } = await startEmulator(t, []);
  const dir = tempDir(t);
  const file = join(dir, 'echo.yml');
  writeFileSync(file, stringify({ data_dir: join(dir, 'data'), cloud: { url: emulator.url } }));
  const wrong = await run(['login', '--config', file, '--username', 'operator', '--password-stdin'], {
    input: 'nope\n',
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /401/);
  const result = await run(['login', '--config', file, '--username', 'operator', '--password-stdin'], {
    input: 'echo-demo\n',
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Signed in/);
  const secrets = join(dir, 'data', 'secrets.json');
  assert.equal(statSync(secrets).mode & 0o777, 0o600);
  const token = JSON.parse(JSON.parse(readFileSync(secrets, 'utf8'))['cloud.api_token']) as { uuid: string };
  assert.ok(emulator.state.tokens.has(token.uuid));
  for (const path of listFiles(dir))
    assert.ok(!readFileSync(path).includes('echo-demo'), `no password in ${path}`);
});
