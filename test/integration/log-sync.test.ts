import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaledClock } from '../../src/core/clock.ts';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

type WireLog = {
  level: string;
  message: string;
  user_uuid: string | null;
  context?: Record<string, unknown>;
};
const sentLogs = (e: Awaited<ReturnType<typeof startEmulator>>['emulator']) =>
  e.state.logBatches.flatMap((b) => b.logs as WireLog[]);

test('a 400 on a log batch isolates the bad entry by halving; the other entries are sent once', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1'], {
    faults: { reject_log_containing: ['POISON'] },
  });
  const config = testConfig(tempDir(t), emulator.url, modelers, { sync: { log_batch_max_entries: 64 } });
  const agent = await startAgent(t, config, scaledClock(60));
  for (let i = 0; i < 100; i++) {
    await agent.sink.ingestLog({
      source: 'machine',
      machine: 'p1',
      level: 'INFO',
      timestamp: new Date().toISOString(),
      message: i === 37 ? 'POISON 37' : `line ${i}`,
    });
  }
  await waitFor(() => agent.store.stats.counts().logs.pending === 0, 15_000, 'logs drained');
  const machineLines = sentLogs(emulator).filter((l) => l.context?.source === 'machine');
  assert.equal(machineLines.length, 99);
  assert.equal(new Set(machineLines.map((l) => l.message)).size, 99, 'each sent once');
  assert.equal(agent.store.stats.counts().logs.dead, 1);
  assert.equal(machineLines[0]!.context?.machine, 'p1');
  assert.ok(
    emulator.state.logBatches.every((b) => b.logs.length <= 64),
    'batches respect the entry bound',
  );
});

test("the agent's own logs go to /logs/ (all it logs, by default; log.cloud_level keeps the lower ones local), secrets redacted", async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers), scaledClock(60));
  agent.logger.info('an everyday event');
  agent.logger.warn({ machine: 'p1', detail: { secret: 'hunter2' } }, 'something to look at');
  await waitFor(
    () =>
      ['something to look at', 'an everyday event'].every((m) =>
        sentLogs(emulator).some((l) => l.message === m),
      ),
    15_000,
    'both lines sent',
  );
  const warning = sentLogs(emulator).find((l) => l.message === 'something to look at')!;
  assert.equal(warning.level, 'WARN');
  assert.equal(warning.context?.source, 'agent');
  assert.equal(JSON.stringify(warning).includes('hunter2'), false, 'secrets are redacted');

  const { emulator: other, modelers: otherModelers } = await startEmulator(t, ['p1']);
  const base = testConfig(tempDir(t), other.url, otherModelers);
  const quiet = await startAgent(t, { ...base, log: { ...base.log, cloud_level: 'warn' } }, scaledClock(60));
  quiet.logger.info('an everyday event');
  quiet.logger.warn('something to look at');
  await waitFor(
    () => sentLogs(other).some((l) => l.message === 'something to look at'),
    15_000,
    'the warning sent',
  );
  assert.equal(
    sentLogs(other).some((l) => l.message === 'an everyday event'),
    false,
    'below log.cloud_level stays local',
  );
});

test('before sign-in, logs wait in the store; after it, they are sent', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const base = testConfig(tempDir(t), emulator.url, modelers);
  const config = { ...base, cloud: { ...base.cloud, api_token: undefined } };
  const agent = await startAgent(t, config, scaledClock(60));
  await agent.sink.ingestLog({
    source: 'machine',
    machine: 'p1',
    level: 'WARN',
    timestamp: new Date().toISOString(),
    message: 'waiting for login',
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(agent.status().cloud.auth, 'signed_out');
  assert.equal(emulator.state.logBatches.length, 0);
  await agent.signIn({ username: 'operator', password: 'echo-demo', ldap: false });
  await waitFor(
    () => sentLogs(emulator).some((l) => l.message === 'waiting for login'),
    15_000,
    'log sent after sign-in',
  );
  const entry = sentLogs(emulator).find((l) => l.message === 'waiting for login')!;
  // Written before anyone signed in: it carries the user signed in when it was sent.
  assert.equal(entry.user_uuid, [...emulator.state.users.values()][0]!.uuid, 'entries carry the user uuid');
});
