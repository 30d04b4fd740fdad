/// <reference lib="dom" />
/**
 * Issue 13, the corporate network as the operator sees it: behind a TLS-inspecting proxy whose CA
 * Echo does not trust, the header says so in words, naming who issued the certificate and the
 * setting that fixes it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SEED_TOKEN, startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';
import { testCa } from '../helpers/test-ca.ts';
import { launchChromium, screenshot } from './browser.ts';

test('the header says an untrusted inspecting proxy in words, with its issuer and the fix', async (t) => {
  const ca = await testCa();
  const { emulator } = await startEmulator(t, [], { tls: { key: ca.serverKeyPem, cert: ca.serverCertPem } });
  const dir = tempDir(t);
  const caFile = join(dir, 'not-the-one.pem');
  writeFileSync(caFile, ca.otherCaPem);
  const config = testConfig(
    join(dir, 'data'),
    emulator.url,
    {},
    {
      cloud: { url: emulator.url, api_token: SEED_TOKEN, request_timeout_ms: 5000, ca_file: caFile },
    },
  );
  const agent = await startAgent(t, config);
  await waitFor(() => agent.status().network !== undefined, 15_000, 'the network check');

  const api = JSON.parse(readFileSync(join(config.data_dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const browser = await launchChromium(t);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await page.goto(`${api.url}/ui/#token=${api.token}`);
  const banner = page.locator('#network');
  await banner.waitFor({ state: 'visible', timeout: 15_000 });
  const text = await banner.textContent();
  assert.match(
    text ?? '',
    /Network: the cloud.s certificate is not trusted: the certificate was issued by "Echo Test Inspecting Proxy CA" \(Echo Tests\), which Echo does not trust: set cloud\.ca_file/,
  );
  assert.equal(await banner.getAttribute('role'), 'alert');
  await screenshot(page, 'network-untrusted-ca');
});
