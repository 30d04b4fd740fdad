import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EosConnectSimulator } from '../../src/collectors/eos-connect-v6/simulator/eos-connect-simulator.ts';
import { FileSecretStore } from '../../src/core/secrets/secret-store.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig } from '../helpers/harness.ts';

type Answer = { status: number; body: { ok?: boolean; error?: { code: string; message: string } } };

/**
 * Issue 9: anything holding the local API token could name a host and a secret reference, and
 * Echo read the file (or variable) and sent it there as a Basic-auth password. Through the local
 * API a machine may only refer to its own secret-store entry; settings and sign-in take no
 * references at all.
 */
async function agentApi(t: import('node:test').TestContext) {
  const { emulator } = await startEmulator(t, []);
  const dir = tempDir(t);
  await startAgentWithCollectors(t, testConfig(dir, emulator.url, {}));
  const { url, token } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const call = async (method: string, path: string, body: unknown): Promise<Answer> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };
  return { call, dir };
}

function refused(answer: Answer, field: RegExp): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.error?.code, 'secret_ref_not_allowed');
  assert.match(answer.body.error?.message ?? '', field);
  // The fix, in words: type the password, or use the configuration file for env:/file:.
  assert.match(answer.body.error?.message ?? '', /send the password itself .*configuration file/);
}

test('machines/test, add and edit refuse env:, file: and other store: references (a host of the caller’s choosing)', async (t) => {
  // The "attacker's host": it accepts the password only if Echo sends the file's content.
  const secret = 'contents-of-a-local-file';
  const sim = await EosConnectSimulator.start({ password: secret });
  t.after(() => sim.close());
  const { call, dir } = await agentApi(t);
  const file = join(dir, 'hostname');
  writeFileSync(file, `${secret}\n`);
  const machine = (password_ref?: string) => ({
    name: 'probe',
    collector: 'eos-connect-v6',
    connection: { host: sim.host, port: sim.port, tls: { fingerprint: sim.fingerprint } },
    timeout: 5,
    credentials: { username: sim.username, ...(password_ref ? { password_ref } : {}) },
  });

  // The reproduction: the file's content went out as the password (the simulator said ok).
  refused(
    await call('POST', '/api/v1/machines/test', machine(`file:${file}`)),
    /^.*credentials\.password_ref: only "store:machine-probe"/,
  );
  process.env.ECHO_TEST_LEAKED_VARIABLE = secret;
  t.after(() => delete process.env.ECHO_TEST_LEAKED_VARIABLE);
  refused(
    await call('POST', '/api/v1/machines/test', { machine: machine('env:ECHO_TEST_LEAKED_VARIABLE') }),
    /machine\.credentials\.password_ref: .*got "env:ECHO_TEST_LEAKED_VARIABLE"/,
  );
  // Another entry of the secret store (the cloud's api token) is no better.
  refused(
    await call('POST', '/api/v1/machines/test', machine('store:cloud.api_token')),
    /credentials\.password_ref/,
  );
  // What the app does instead: the typed password, for this test only.
  const typed = await call('POST', '/api/v1/machines/test', { machine: machine(), password: secret });
  assert.equal(typed.status, 200);
  assert.equal(typed.body.ok, true, 'the simulator accepts the right password');

  // Adding and editing: the same rule, before anything is saved or run.
  refused(
    await call('POST', '/api/v1/machines', { machine: machine(`file:${file}`) }),
    /machine\.credentials/,
  );
  assert.equal(existsSync(join(dir, 'machines.local.json')), false, 'nothing saved');
  assert.equal(
    (await call('POST', '/api/v1/machines', { machine: machine(), password: secret })).status,
    201,
  );
  refused(
    await call('PUT', '/api/v1/machines/probe', { machine: machine('env:ECHO_TEST_LEAKED_VARIABLE') }),
    /machine\.credentials\.password_ref/,
  );
  // Its own entry (what GET /api/v1/machines/probe shows) round-trips.
  const own = await call('PUT', '/api/v1/machines/probe', { machine: machine('store:machine-probe') });
  assert.equal(own.status, 200, JSON.stringify(own.body));
});

test('settings and sign-in take no secret references; an http:// cloud url off this PC is refused', async (t) => {
  const { call } = await agentApi(t);
  const sentry = await call('PUT', '/api/v1/settings', { log: { sentry_dsn_ref: 'file:/etc/hostname' } });
  assert.equal(sentry.status, 400);
  assert.match(sentry.body.error?.message ?? '', /log\.sentry_dsn_ref: not a setting .*configuration file/);

  const token = await call('POST', '/api/v1/session', {
    api_token: { uuid: 'u', secret_ref: 'file:/etc/hostname' },
  });
  assert.equal(token.status, 400);
  assert.match(
    token.body.error?.message ?? '',
    /api_token\.secret_ref: unknown field; .*"secret" themselves/,
  );

  const http = await call('PUT', '/api/v1/settings', { cloud: { url: 'http://cloud.example/' } });
  assert.equal(http.status, 400);
  assert.match(http.body.error?.message ?? '', /cloud\.url: plain http:\/\/ .*allow_insecure_http/);
});

test('machines/test refuses even "its own" store entry for a name of the configuration file (the administrator’s password)', async (t) => {
  const secret = 'the-administrators-password';
  const sim = await EosConnectSimulator.start({ password: secret });
  t.after(() => sim.close());
  const { emulator } = await startEmulator(t, []);
  const dir = tempDir(t);
  // The administrator's machine: its password_ref names an entry of Echo's secret store.
  FileSecretStore.inDataDir(dir).set('machine-press', secret);
  const connection = { host: sim.host, port: sim.port, tls: { fingerprint: sim.fingerprint } };
  await startAgentWithCollectors(
    t,
    testConfig(
      dir,
      emulator.url,
      {},
      {
        machines: [
          {
            name: 'press',
            collector: 'eos-connect-v6',
            connection,
            credentials: { username: sim.username, password_ref: 'store:machine-press' },
          },
        ],
      },
    ),
  );
  const { url, token } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  // The caller's host would do: the simulator stands in for it and says whether the password came.
  const answer = await fetch(`${url}/api/v1/machines/test`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      machine: {
        name: 'press',
        collector: 'eos-connect-v6',
        connection,
        timeout: 5,
        credentials: { username: sim.username, password_ref: 'store:machine-press' },
      },
    }),
  });
  const body = (await answer.json()) as Answer['body'];
  assert.equal(answer.status, 400, JSON.stringify(body));
  assert.equal(body.error?.code, 'secret_ref_not_allowed');
  assert.match(
    body.error?.message ?? '',
    /machine\.credentials\.password_ref: "press" is a machine of the configuration file/,
  );
  assert.match(body.error?.message ?? '', /send the password itself/);
});
