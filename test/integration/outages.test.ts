import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaledClock } from '../../src/core/clock.ts';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

/** Simulated time runs 60× faster: one simulated minute is one real second. */
const SCALE = 60;

async function ingest(
  agent: Awaited<ReturnType<typeof startAgent>>,
  machine: string,
  count: number,
  type = 'slm.modeler.status',
) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(
      (
        await agent.sink.ingestCapture({
          machine,
          captureTypeName: type,
          content: JSON.stringify({ i }),
          contentType: 'application/json',
        })
      ).echoCaptureId,
    );
  }
  return ids;
}

function assertExactlyOnce(uploaded: Map<string, number>, ids: string[]) {
  for (const id of ids) assert.equal(uploaded.get(id), 1, `capture ${id} reached the cloud exactly once`);
}

test('the cloud down for 2 simulated minutes: nothing is lost and the backlog drains after', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1', 'p2']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers), scaledClock(SCALE));
  await waitFor(() => agent.status().cloud.registered, 10_000, 'registration');
  await emulator.setFaults({ down: true });
  const during = [...(await ingest(agent, 'p1', 30)), ...(await ingest(agent, 'p2', 30))];
  await new Promise((r) => setTimeout(r, (2 * 60_000) / SCALE));
  assert.equal(agent.status().cloud.reachable, false, 'the agent notices the outage');
  assert.equal(agent.store.stats.captureBacklog(), 60, 'everything waits in the store');
  await emulator.setFaults({ down: false });
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 20_000, 'backlog drained');
  assertExactlyOnce(emulator.state.uploadedCaptureIds(), during);
  assert.equal(agent.status().cloud.reachable, true);
});

test('a 429 storm: Retry-After is honoured by every worker, and everything arrives', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1', 'p2', 'p3']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers), scaledClock(SCALE));
  await waitFor(() => agent.status().cloud.registered, 10_000, 'registration');
  const retryAfterSeconds = 30; // simulated: 0.5 s of real time
  await emulator.setFaults({ rate_429: 1, retry_after_seconds: retryAfterSeconds });
  const stormStart = Date.now();
  const ids = [
    ...(await ingest(agent, 'p1', 10)),
    ...(await ingest(agent, 'p2', 10)),
    ...(await ingest(agent, 'p3', 10)),
  ];
  await new Promise((r) => setTimeout(r, 3000));
  await emulator.setFaults({ rate_429: 0 });
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 20_000, 'backlog drained');
  assertExactlyOnce(emulator.state.uploadedCaptureIds(), ids);

  // Requests during the storm come in bursts (workers released together when the gate opens);
  // between bursts there is at least the Retry-After.
  const storm = emulator.state.requests
    .filter((r) => r.at >= stormStart && r.status === 429)
    .map((r) => r.at);
  assert.ok(storm.length >= 2, 'the storm was seen');
  const minGapMs = (retryAfterSeconds * 1000) / SCALE;
  for (let i = 1; i < storm.length; i++) {
    const gap = storm[i]! - storm[i - 1]!;
    assert.ok(
      gap < 40 || gap >= minGapMs * 0.8,
      `a request came ${gap} ms after a 429; Retry-After asked for ${minGapMs} ms`,
    );
  }
  // Without the gate, tens of requests per second would hit the server during 3 s.
  assert.ok(storm.length < 40, `${storm.length} requests during the storm`);
});

test('connection resets mid-upload: every capture is uploaded, none twice', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1'], {
    faults: { rate_upload_reset: 0.5 },
    seed: 3,
  });
  const agent = await startAgent(
    t,
    testConfig(tempDir(t), emulator.url, modelers, { store: { inline_content_max_kb: 1 } }),
    scaledClock(SCALE),
  );
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    // Half of them are streamed from blob files on disk.
    const content = JSON.stringify({ i, pad: i % 2 === 0 ? 'x'.repeat(5000) : '' });
    ids.push(
      (
        await agent.sink.ingestCapture({
          machine: 'p1',
          captureTypeName: 'slm.modeler.status',
          content,
          contentType: 'application/json',
        })
      ).echoCaptureId,
    );
  }
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 30_000, 'backlog drained');
  assertExactlyOnce(emulator.state.uploadedCaptureIds(), ids);
  assert.ok(emulator.state.resets >= 5, `uploads were reset mid-body (${emulator.state.resets})`);
  for (const capture of emulator.state.captures.values()) {
    assert.equal(JSON.parse(capture.content!.toString()).i >= 0, true, 'content arrived whole');
  }
});

test('a 400 on one record dead-letters it, the rest of the queue flows, and a retry sends it', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1'], {
    faults: { reject_capture_types: ['hp.modeler.status'] },
  });
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers), scaledClock(SCALE));
  const before = await ingest(agent, 'p1', 5);
  const [bad] = await ingest(agent, 'p1', 1, 'hp.modeler.status');
  const after = await ingest(agent, 'p1', 5);
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 20_000, 'queue drained past the bad record');
  assertExactlyOnce(emulator.state.uploadedCaptureIds(), [...before, ...after]);
  const dead = agent.deadLetters(10);
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.echoCaptureId, bad);
  assert.match(dead[0]!.lastError!, /400/);
  assert.equal(agent.status().backlog.captures.dead, 1);

  await emulator.setFaults({ reject_capture_types: [] });
  assert.equal(agent.retryDeadLetters('captures'), 1);
  await waitFor(() => emulator.state.uploadedCaptureIds().has(bad!), 20_000, 'retried record arrives');
  assert.equal(agent.status().backlog.captures.dead, 0);
});

test('a 401 stops syncing and asks to sign in again; signing in resumes', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers), scaledClock(SCALE));
  await waitFor(() => agent.status().cloud.registered, 10_000, 'registration');
  emulator.state.tokens.clear(); // the token was revoked in the cloud
  const ids = await ingest(agent, 'p1', 3);
  await waitFor(() => agent.status().cloud.auth === 'needs_sign_in', 10_000, 'needs_sign_in');
  assert.equal(emulator.state.uploadedCaptureIds().size, 0);
  assert.equal(agent.store.stats.captureBacklog(), 3, 'captures wait in the store');

  await assert.rejects(agent.signIn({ username: 'operator', password: 'wrong', ldap: false }), /401/);
  await agent.signIn({ username: 'operator', password: 'echo-demo', ldap: false });
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 15_000, 'backlog drained after sign-in');
  assertExactlyOnce(emulator.state.uploadedCaptureIds(), ids);
  assert.equal(agent.status().cloud.auth, 'signed_in');
});

test('enabled: false pauses collection and uploads, keeps the data, and resumes', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const agent = await startAgent(t, testConfig(tempDir(t), emulator.url, modelers), scaledClock(SCALE));
  await waitFor(() => agent.status().cloud.registered, 10_000, 'registration');
  const [ecco] = emulator.state.eccos.values();
  ecco!.enabled = false;
  await waitFor(() => !agent.sink.collecting(), 10_000, 'collection paused');
  assert.equal(agent.status().collection, 'paused_by_cloud');
  const ids = await ingest(agent, 'p1', 3);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(emulator.state.uploadedCaptureIds().size, 0, 'no upload while disabled');
  ecco!.enabled = true;
  await waitFor(
    () => agent.sink.collecting() && agent.store.stats.captureBacklog() === 0,
    15_000,
    'resumed and drained',
  );
  assertExactlyOnce(emulator.state.uploadedCaptureIds(), ids);
});
