import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { CloudEmulator } from '../../src/cloud-emulator/server.ts';
import { MtconnectSimulator } from '../../src/collectors/stratasys-mtconnect/simulator/mtconnect-simulator.ts';
import type { Agent } from '../../src/core/agent.ts';
import { startConnectProxy } from '../helpers/connect-proxy.ts';
import {
  SEED_TOKEN,
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
  waitFor,
} from '../helpers/harness.ts';
import { testCa } from '../helpers/test-ca.ts';

const PROXY_USER = 'corp-echo';
const PROXY_PASSWORD = 'proxy-secret-42';
process.env.ECHO_TEST_PROXY_PASSWORD = PROXY_PASSWORD;

/** A TLS emulator (private CA), a LAN printer, and an agent configured by `cloud`. */
async function corporateSite(
  t: TestContext,
  cloud: (emulatorUrl: string, caFile: string) => Record<string, unknown>,
  caPem?: string,
): Promise<{ agent: Agent; emulator: CloudEmulator; sim: MtconnectSimulator; modeler: string }> {
  const ca = await testCa();
  const dir = tempDir(t);
  const caFile = join(dir, 'corporate-ca.pem');
  writeFileSync(caFile, caPem ?? ca.caPem);
  const { emulator, modelers } = await startEmulator(t, ['printer-1'], {
    tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
  });
  const sim = await MtconnectSimulator.start();
  t.after(() => sim.close());
  const modeler = modelers['printer-1']!;
  const config = testConfig(
    join(dir, 'data'),
    emulator.url,
    {},
    {
      cloud: {
        url: emulator.url,
        api_token: SEED_TOKEN,
        request_timeout_ms: 5000,
        ...cloud(emulator.url, caFile),
      },
      // The poll only at (re)connect: a command sent later can only arrive on the events stream.
      intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 3600 },
      log: { level: 'info', cloud_level: 'info' },
      machines: [
        {
          name: 'printer-1',
          collector: 'stratasys-mtconnect',
          modeler,
          connection: { url: sim.url },
          poll_interval: 0.5,
        },
      ],
    },
  );
  const agent = await startAgentWithCollectors(t, config);
  return { agent, emulator, sim, modeler };
}

const completeCaptures = (emulator: CloudEmulator) =>
  [...emulator.state.captures.values()].filter((c) => c.content !== undefined);

test('behind an authenticating CONNECT proxy with a private CA: registration, captures, logs and the events stream go through it; the LAN printer does not', async (t) => {
  const proxy = await startConnectProxy({ auth: { username: PROXY_USER, password: PROXY_PASSWORD } });
  t.after(() => proxy.close());
  const { agent, emulator, sim, modeler } = await corporateSite(t, (_url, caFile) => ({
    proxy: {
      mode: 'manual',
      url: proxy.url,
      username: PROXY_USER,
      password_ref: 'env:ECHO_TEST_PROXY_PASSWORD',
    },
    ca_file: caFile,
  }));

  await waitFor(() => agent.status().network !== undefined, 15_000, 'the network check');
  const network = agent.status().network!;
  assert.equal(network.route, 'proxy');
  assert.equal(network.source, 'config');
  assert.equal(network.proxy, proxy.url);
  assert.equal(network.reachable, true, network.summary);
  assert.match(network.summary, /answers through the proxy/);
  assert.deepEqual(network.trust, ['cloud.ca_file: 1 certificate']);

  await waitFor(() => emulator.state.eccos.size === 1, 15_000, 'the installation registered');
  await waitFor(() => completeCaptures(emulator).length >= 2, 20_000, 'captures uploaded');
  await waitFor(() => emulator.state.logBatches.length >= 1, 20_000, 'a log batch');

  // The agent polls once the events stream is open; a command sent after it only comes by the stream.
  await waitFor(
    () => emulator.state.requests.some((r) => r.path === '/modeler-command/'),
    15_000,
    "the poll at the stream's connect",
  );
  const command = emulator.sendCommand({ type: 'check_configuration', modeler });
  await waitFor(
    () => ['complete', 'error'].includes(String(emulator.state.commands.get(command.uuid)?.status)),
    20_000,
    'the command from the events stream ran',
  );

  // Every connection the cloud accepted came out of the proxy (but the network check's direct
  // probe of /about/, which is there to say whether the proxy is needed); the printer's never went in.
  const cloudConnections = emulator.connections.filter((c) => c.firstRequest !== 'GET /about/');
  assert.ok(cloudConnections.length >= 1, 'the agent reached the cloud');
  for (const { port, firstRequest } of cloudConnections)
    assert.ok(proxy.upstreamPorts.has(port), `${firstRequest} came direct`);
  assert.ok(proxy.requests.length > 0);
  for (const request of proxy.requests) {
    assert.equal(request.method, 'CONNECT');
    assert.equal(request.target, `127.0.0.1:${emulator.port}`);
    assert.equal(request.authorized, true);
  }
  assert.ok(!proxy.requests.some((r) => r.target.includes(String(sim.port))));
  assert.equal(agent.status().machines[0]?.live?.snapshot.state, 'idle');
});

test('NO_PROXY names the cloud: it goes direct, the proxy sees nothing', async (t) => {
  const proxy = await startConnectProxy();
  t.after(() => proxy.close());
  const { agent, emulator } = await corporateSite(t, (_url, caFile) => ({
    proxy: { mode: 'manual', url: proxy.url, no_proxy: 'example.com, 127.0.0.1' },
    ca_file: caFile,
  }));
  await waitFor(() => completeCaptures(emulator).length >= 1, 20_000, 'a capture uploaded');
  await waitFor(() => agent.status().network !== undefined, 15_000, 'the network check');
  assert.equal(agent.status().network!.route, 'direct');
  assert.equal(agent.status().network!.reachable, true);
  assert.deepEqual(proxy.requests, []);
});

test('a TLS-inspecting proxy whose CA Echo does not trust is said in words, with its issuer', async (t) => {
  const ca = await testCa();
  const { agent, emulator } = await corporateSite(
    t,
    (_url, caFile) => ({ proxy: { mode: 'none' }, ca_file: caFile }),
    ca.otherCaPem,
  );
  await waitFor(() => agent.status().network !== undefined, 15_000, 'the network check');
  const network = agent.status().network!;
  assert.equal(network.reachable, false);
  assert.equal(network.issuer, `"${ca.caCommonName}" (Echo Tests)`);
  assert.match(
    network.summary,
    /the certificate was issued by "Echo Test Inspecting Proxy CA" \(Echo Tests\), which Echo does not trust: set cloud\.ca_file/,
  );
  // The sync engine's own error says the same, once the check named the issuer.
  await waitFor(
    () =>
      /issued by "Echo Test Inspecting Proxy CA".*set cloud\.ca_file/.test(
        agent.status().cloud.lastError ?? '',
      ),
    20_000,
    'the cloud error in words',
    { describe: () => String(agent.status().cloud.lastError) },
  );
  assert.equal(completeCaptures(emulator).length, 0);
});
