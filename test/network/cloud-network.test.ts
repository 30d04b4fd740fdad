import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { CloudNetwork } from '../../src/core/cloud/network/cloud-network.ts';
import { checkNetwork } from '../../src/core/cloud/network/network-check.ts';
import type { SecretStore } from '../../src/core/secrets/secret-store.ts';
import { proxySchema } from '../../src/shared/config/schema.ts';
import { startConnectProxy } from '../helpers/connect-proxy.ts';
import { startEmulator, tempDir } from '../helpers/harness.ts';
import { PROXY_ONLY_HOST, testCa } from '../helpers/test-ca.ts';

/** The TLS emulator, by IP (`url`) and by a name only the test proxy resolves (`outside`). */
async function tlsCloud(t: TestContext): Promise<{ url: string; outside: string; caFile: string }> {
  const ca = await testCa();
  const { emulator } = await startEmulator(t, [], { tls: { key: ca.serverKeyPem, cert: ca.serverCertPem } });
  const caFile = join(tempDir(t), 'ca.pem');
  writeFileSync(caFile, ca.caPem);
  return { url: emulator.url, outside: `https://${PROXY_ONLY_HOST}:${emulator.port}/`, caFile };
}

const hosts = { [PROXY_ONLY_HOST]: '127.0.0.1' };

function network(
  t: TestContext,
  options: {
    proxy?: Record<string, unknown>;
    caFile?: string;
    env?: NodeJS.ProcessEnv;
    systemProxy?: (url: string) => Promise<string>;
    secrets?: Record<string, string>;
  },
): CloudNetwork {
  const values = new Map(Object.entries(options.secrets ?? {}));
  const secrets: SecretStore = {
    description: 'memory',
    get: (name) => values.get(name),
    set: (name, value) => values.set(name, value),
    delete: (name) => values.delete(name),
  };
  const made = new CloudNetwork({
    cloud: {
      proxy: proxySchema.parse(options.proxy ?? {}),
      ...(options.caFile ? { ca_file: options.caFile } : {}),
      use_system_ca: false,
    },
    secrets,
    env: options.env ?? {},
    ...(options.systemProxy ? { systemProxy: { resolve: options.systemProxy } } : {}),
  });
  t.after(() => made.close());
  return made;
}

test('HTTPS_PROXY with credentials in it, lower-case no_proxy winning over NO_PROXY, a loopback cloud direct', async (t) => {
  const { url, outside, caFile } = await tlsCloud(t);
  const proxy = await startConnectProxy({ auth: { username: 'u', password: 'p@ss' }, hosts });
  t.after(() => proxy.close());
  const env = {
    HTTPS_PROXY: proxy.urlWithCredentials('u', 'p@ss'),
    NO_PROXY: PROXY_ONLY_HOST,
    no_proxy: 'intranet.example',
  };
  const check = await checkNetwork(network(t, { caFile, env }), outside, { timeoutMs: 5000 });
  assert.equal(check.source, 'environment');
  assert.equal(check.route, 'proxy');
  assert.equal(check.proxy, proxy.url, 'the proxy is shown without its credentials');
  assert.equal(check.reachable, true, check.summary);
  assert.equal(check.direct.reachable, false, 'no DNS here knows the cloud: only the proxy reaches it');
  assert.match(
    check.summary,
    /answers through the proxy .* \(HTTPS_PROXY\/HTTP_PROXY\); not directly \(.*ENOTFOUND.*\): the proxy is needed/,
  );
  assert.ok(proxy.requests.length > 0 && proxy.requests.every((r) => r.authorized));

  const bypassed = network(t, { caFile, env: { ...env, no_proxy: `.echo.test` } });
  assert.deepEqual(await bypassed.routeFor(outside), { via: 'direct', source: 'environment' });
  // A proxy elsewhere cannot reach this PC's loopback: a cloud there goes direct.
  const loopback = await checkNetwork(network(t, { caFile, env }), url, { timeoutMs: 5000 });
  assert.equal(loopback.route, 'direct');
  assert.equal(loopback.reachable, true);
});

test('a proxy that wants credentials, and one that is down, are said in words', async (t) => {
  const { url, caFile } = await tlsCloud(t);
  const proxy = await startConnectProxy({ auth: { username: 'u', password: 'p' } });
  t.after(() => proxy.close());
  const noCredentials = await checkNetwork(
    network(t, { caFile, proxy: { mode: 'manual', url: proxy.url } }),
    url,
    {
      timeoutMs: 5000,
    },
  );
  assert.equal(noCredentials.reachable, false);
  assert.match(noCredentials.proxied!.detail, /wants credentials \(407\).*cloud\.proxy\.username/);
  assert.match(noCredentials.summary, /it answers directly: fix cloud\.proxy/);

  const withCredentials = await checkNetwork(
    network(t, {
      caFile,
      proxy: { mode: 'manual', url: proxy.url, username: 'u', password_ref: 'store:proxy' },
      secrets: { proxy: 'p' },
    }),
    url,
    { timeoutMs: 5000 },
  );
  assert.equal(withCredentials.reachable, true, withCredentials.summary);

  await proxy.close();
  const down = await checkNetwork(network(t, { caFile, proxy: { mode: 'manual', url: proxy.url } }), url, {
    timeoutMs: 5000,
  });
  assert.equal(down.reachable, false);
  assert.match(down.summary, /does not answer through the proxy/);
});

test("the desktop app's system settings (PAC): PROXY, then DIRECT, SOCKS skipped", async (t) => {
  const { url, outside, caFile } = await tlsCloud(t);
  const proxy = await startConnectProxy({ hosts });
  t.after(() => proxy.close());
  const asked: string[] = [];
  const pac = async (target: string) => {
    asked.push(target);
    return `SOCKS5 127.0.0.1:1; PROXY 127.0.0.1:${proxy.port}; DIRECT`;
  };
  const viaPac = network(t, { caFile, systemProxy: pac });
  const check = await checkNetwork(viaPac, outside, { timeoutMs: 5000 });
  assert.equal(check.source, 'system');
  assert.equal(check.route, 'proxy');
  assert.equal(check.proxy, proxy.url);
  assert.equal(check.reachable, true, check.summary);
  assert.ok(proxy.requests.length > 0);
  assert.ok(asked[0]?.startsWith(outside));
  // The loopback is never asked about: it is direct.
  assert.deepEqual(await viaPac.routeFor(url), { via: 'direct', source: 'system' });
  assert.ok(asked.every((a) => a.startsWith(outside)));

  const direct = network(t, { caFile, systemProxy: async () => 'DIRECT' });
  assert.deepEqual(await direct.routeFor(outside), { via: 'direct', source: 'system' });
  // An environment variable wins over the system settings, as a service's admin would expect.
  const envWins = network(t, { caFile, systemProxy: pac, env: { https_proxy: proxy.url } });
  assert.equal((await envWins.routeFor(outside)).source, 'environment');
  // mode none: never a proxy, whatever is set.
  const none = network(t, {
    caFile,
    systemProxy: pac,
    env: { https_proxy: proxy.url },
    proxy: { mode: 'none' },
  });
  assert.deepEqual(await none.routeFor(outside), { via: 'direct', source: 'none' });
});

test('cloud.proxy: a password in the url, manual without url, and a password without user are refused, naming the field', () => {
  const issues = (input: unknown) =>
    proxySchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  assert.match(issues({ mode: 'manual' }).join(), /url: mode manual needs the proxy url/);
  assert.match(
    issues({ mode: 'manual', url: 'http://u:secret@proxy:3128' }).join(),
    /url: the url holds a password/,
  );
  assert.match(issues({ password_ref: 'env:X' }).join(), /username: password_ref needs the username/);
  assert.match(
    issues({ mode: 'manual', url: 'socks5://proxy:1080' }).join(),
    /url: must be the proxy as http/,
  );
  assert.deepEqual(issues({}), []);
});
