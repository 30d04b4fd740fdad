import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('sign-in keeps the shared Retry-After gate: a 429 holds it, the next try answers at once without knocking', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers));
  await waitFor(() => agent.status().cloud.registered, 10_000, 'registration');
  emulator.state.tokens.clear(); // the token was revoked in the cloud: the operator signs in again
  await waitFor(() => agent.status().cloud.auth === 'needs_sign_in', 15_000, 'needs_sign_in');

  const sessions = () => emulator.state.requests.filter((r) => r.path === '/sessions/').length;
  await emulator.setFaults({ rate_429: 1, retry_after_seconds: 120 });
  await assert.rejects(agent.signIn({ username: 'operator', password: 'echo-demo', ldap: false }), /429/);
  const knocked = sessions();
  assert.equal(knocked, 1);

  // The cloud asked for two minutes: the operator is told so at once, and the cloud is not asked.
  const started = Date.now();
  await assert.rejects(
    agent.signIn({ username: 'operator', password: 'echo-demo', ldap: false }),
    /the cloud asked Echo to wait 1[12]\d s more .*try again then/,
  );
  assert.ok(Date.now() - started < 1000);
  assert.equal(sessions(), knocked);
  assert.match(agent.status().cloud.lastError ?? '', /429/);
});
