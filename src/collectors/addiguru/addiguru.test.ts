import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../../../test/helpers/harness.ts';
import type { CollectorContext } from '../sdk/collector.ts';
import { ResourceScope } from '../sdk/shared-resources.ts';
import { AddiguruCollector } from './collector.ts';
import { addiguruConnection } from './config.ts';
import { AddiguruSimulator } from './simulator/addiguru-simulator.ts';

type AnalysisDoc = {
  id: string;
  printer: { id: string; name: string };
  status: string;
  start_time: string;
  end_time: string;
  layer_count: number;
  indicators: Array<{ layer_number: number }>;
  anomalies: Array<{
    layer_number: number;
    boundary: number[][];
    shape: string;
    is_anomaly: boolean;
    is_defect: boolean;
  }>;
};

/** A hub, an installation in the emulator, and an agent whose machine names the installation. */
async function setup(
  t: TestContext,
  options: { password?: string; pageSize?: number; finished?: number } = {},
) {
  const sim = await AddiguruSimulator.start({ layersPerSecond: 50 });
  t.after(() => sim.close());
  if (options.finished) sim.addFinished(options.finished);
  const { emulator } = await startEmulator(t, []);
  const hub = emulator.state.addAddiguruInstallation({ name: 'addiguru-hall-2', ip_address: sim.host });
  const dir = tempDir(t);
  const secret = join(dir, 'hub-password');
  writeFileSync(secret, options.password ?? sim.password, { mode: 0o600 });
  const config = testConfig(
    join(dir, 'data'),
    emulator.url,
    {},
    {
      machines: [
        {
          name: 'addiguru-hall-2',
          collector: 'addiguru',
          addiguru_installation: hub.uri,
          connection: { host: sim.host, port: sim.port },
          credentials: { username: sim.username, password_ref: `file:${secret}` },
          poll_interval: 0.2,
          timeout: 2,
          history: { interval: 1, page_size: options.pageSize ?? 4 },
        },
      ],
    },
  );
  const start = () => startAgentWithCollectors(t, config);
  const agent = await start();
  const analyses = () =>
    [...emulator.state.captures.values()]
      .filter((c) => c.content !== undefined)
      .map((c) => ({ capture: c, doc: JSON.parse(c.content!.toString()) as AnalysisDoc }));
  return { sim, emulator, hub, agent, start, analyses };
}

test('finished analyses arrive once each, with addiguru_installation; the hub healthy; exactly once across a restart', async (t) => {
  const { sim, hub, agent, start, analyses, emulator } = await setup(t, { finished: 10 });
  await waitFor(() => analyses().length >= 10, 20_000, 'the backlog of analyses');
  await waitFor(() => hub.health === 'healthy', 15_000, 'healthy');
  const [first] = analyses();
  assert.equal(first!.capture.addiguru_installation, hub.uri);
  assert.equal(first!.capture.modeler, null);
  assert.equal(first!.capture.capture_type_name, 'addiguru.build.analysis');
  assert.equal(first!.capture.meta.addiguru_id, first!.doc.id);
  assert.equal(first!.doc.layer_count, 5);
  assert.equal(first!.doc.indicators.length, 5, 'one indicator per layer');
  assert.deepEqual(
    first!.doc.anomalies.map((a) => [a.layer_number, a.shape, a.is_anomaly, a.is_defect]),
    [[4, 'rect', true, false]],
  );
  assert.equal(first!.capture.meta.anomalies, 1);
  assert.equal(first!.capture.meta.defects, 0);

  // A build analysed live: the hub analysing, then idle, and the analysis in the cloud.
  const live = () => agent.machines()[0]!.live!;
  sim.startAnalysis('turbine-blade-lot-4', 400, 2);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'analysing');
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'idle again');
  await waitFor(() => analyses().length === 11, 20_000, 'the live analysis');
  const blade = analyses().find((a) => a.doc.id === sim.finishedIds().at(-1))!;
  assert.equal(blade.doc.indicators.length, 400);
  assert.equal(blade.doc.anomalies.filter((a) => a.is_defect).length, 50);
  assert.equal(blade.doc.printer.name, 'SLM 280 #1');

  // Restart: a new agent on the same data directory reads only what is new.
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 15_000, 'all sent');
  await agent.stop();
  const requestsBefore = sim.requests.length;
  sim.addFinished(3, 5, true);
  const again = await start();
  await waitFor(() => analyses().length >= 14, 20_000, 'the three new analyses');
  await waitFor(() => again.store.stats.captureBacklog() === 0, 15_000, 'all sent again');
  await new Promise((r) => setTimeout(r, 1500));
  const ids = analyses().map((a) => a.doc.id);
  assert.equal(ids.length, 14, 'no analysis twice');
  assert.deepEqual([...new Set(ids)].sort(), [...sim.finishedIds()].sort());
  const listed = sim.requests.slice(requestsBefore).find((r) => r.path === '/api/analyses');
  assert.ok(listed?.query.since, 'after the restart, the list asks after the watermark');
  assert.ok(emulator.state.captures.size >= 14);
});

test('a wrong password: failure auth, the installation authentication_error, nothing collected', async (t) => {
  const { hub, agent, analyses, sim } = await setup(t, { password: 'not-the-password', finished: 3 });
  await waitFor(() => hub.health === 'authentication_error', 15_000, 'authentication_error');
  const status = agent.machines()[0]!.live!;
  assert.equal(status.snapshot.state, 'error');
  assert.match(status.lastError ?? '', /refused the user "echo"/);
  assert.equal(analyses().length, 0);
  assert.equal(sim.logins, 0);
});

test('an unreachable hub: the installation unreachable', async (t) => {
  const { hub, sim } = await setup(t);
  await waitFor(() => hub.health === 'healthy', 15_000, 'healthy');
  sim.setFault('silence');
  await waitFor(() => hub.health === 'unreachable', 15_000, 'unreachable');
  sim.setFault(null);
  await waitFor(() => hub.health === 'healthy', 30_000, 'healthy again');
});

function context(shared: ResourceScope, warnings: string[], credentials: CollectorContext['credentials']) {
  const kv = new Map<string, string>();
  const quiet = () => undefined;
  const ctx: CollectorContext = {
    machine: 'hub',
    logger: { debug: quiet, info: quiet, warn: (_o, msg) => void warnings.push(msg ?? ''), error: quiet },
    credentials,
    state: { get: (k) => kv.get(k), set: (k, v) => void kv.set(k, v) },
    dataDir: '/nonexistent',
    pkiDir: '/nonexistent',
    notify: quiet,
    limits: { maxMessageBytes: 1024 * 1024 },
    shared,
    secrets: { get: () => undefined, set: quiet, delete: quiet },
  };
  return ctx;
}

async function direct(t: TestContext, credentials?: CollectorContext['credentials']) {
  const sim = await AddiguruSimulator.start();
  const shared = new ResourceScope();
  t.after(async () => {
    await shared.close();
    await sim.close();
  });
  const warnings: string[] = [];
  const collector = new AddiguruCollector(
    addiguruConnection.parse({ host: sim.host, port: sim.port }),
    context(shared, warnings, credentials ?? { username: sim.username, password: sim.password }),
  );
  return { sim, collector, warnings };
}

const signal = () => AbortSignal.timeout(5000);

test('readHistory: pages after the watermark, ties in one millisecond told apart, a removed analysis still counted', async (t) => {
  const { sim, collector } = await direct(t);
  sim.addFinished(5, 3, true);
  sim.detailsGone.add('AG-000003');
  const seen: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = await collector.readHistory(after, 2, signal());
    for (const job of page.jobs) {
      assert.ok(after === undefined || job.reference > after);
      seen.push(JSON.parse(job.content.toString()).id);
      after = job.reference;
    }
    if (!page.more) break;
  }
  assert.deepEqual(seen, ['AG-000001', 'AG-000002', 'AG-000003', 'AG-000004', 'AG-000005']);
  const empty = await collector.readHistory(after, 2, signal());
  assert.deepEqual(empty, { jobs: [], more: false });
  await assert.rejects(collector.readHistory('garbage', 2, signal()), /not an Addiguru analysis reference/);
});

test('the token: logged in once, again after the hub forgot it; no credentials is an auth failure', async (t) => {
  const { sim, collector } = await direct(t);
  await collector.poll(signal());
  await collector.poll(signal());
  assert.equal(sim.logins, 1);
  sim.revokeTokens();
  await collector.poll(signal());
  assert.equal(sim.logins, 2);
  const { collector: anonymous } = await direct(t, {});
  await assert.rejects(anonymous.poll(signal()), (e: { failure?: string }) => e.failure === 'auth');
  const wrong = await direct(t, { username: 'echo', password: 'nope' });
  await assert.rejects(wrong.collector.poll(signal()), (e: { failure?: string }) => e.failure === 'auth');
  const tested = await wrong.collector.testConnection(signal());
  assert.equal(tested.ok, false);
  assert.equal(tested.details?.failure, 'auth');
});

test('states: analysing is busy, error is error, an unknown word is unknown and logged once, a missing one unknown', async (t) => {
  const { sim, collector, warnings } = await direct(t);
  assert.equal((await collector.poll(signal())).snapshot.state, 'idle');
  sim.stateOverride = { value: 'error' };
  const failed = await collector.poll(signal());
  assert.equal(failed.snapshot.state, 'error');
  assert.deepEqual(failed.snapshot.errors, ['camera 2: no frames for 120 s']);
  sim.stateOverride = { value: 'calibrating' };
  assert.equal((await collector.poll(signal())).snapshot.state, 'unknown');
  await collector.poll(signal());
  assert.deepEqual(warnings, [
    'the Addiguru hub reports a state Echo does not know ("calibrating"): shown as unknown',
  ]);
  sim.stateOverride = { value: undefined };
  assert.equal((await collector.poll(signal())).snapshot.state, 'unknown');
});

test('garbage, oversized answers and a 500 are protocol failures; silence is a timeout', async (t) => {
  const { sim, collector } = await direct(t);
  await collector.poll(signal());
  sim.addFinished(2);
  for (const fault of ['garbage', 'oversized', 'error500'] as const) {
    sim.setFault(fault);
    await assert.rejects(collector.readHistory(undefined, 10, signal()), (e: { failure?: string }) => {
      assert.equal(e.failure, 'protocol', fault);
      return true;
    });
  }
  sim.setFault('silence');
  await assert.rejects(collector.poll(AbortSignal.timeout(300)), (e: { failure?: string }) =>
    ['timeout', 'unreachable'].includes(e.failure ?? ''),
  );
  sim.setFault(null);
  assert.equal((await collector.readHistory(undefined, 10, signal())).jobs.length, 2);
});
