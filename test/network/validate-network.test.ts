import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startConnectProxy } from '../helpers/connect-proxy.ts';
import { startEmulator, tempDir } from '../helpers/harness.ts';
import { PROXY_ONLY_HOST, testCa } from '../helpers/test-ca.ts';

const BIN = join(import.meta.dirname, '../../bin/echo-agent.js');

function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // Without the runner's own proxy variables: the test says which proxy the command sees.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('validate-config --check-network: through HTTPS_PROXY with a corporate CA, a wrong CA in words, a CA file that is not one', async (t) => {
  const ca = await testCa();
  const { emulator } = await startEmulator(t, [], { tls: { key: ca.serverKeyPem, cert: ca.serverCertPem } });
  const proxy = await startConnectProxy({
    auth: { username: 'svc-echo', password: 'pw' },
    hosts: { [PROXY_ONLY_HOST]: '127.0.0.1' },
  });
  t.after(() => proxy.close());
  const dir = tempDir(t);
  const config = (caFile: string) => {
    const file = join(dir, 'echo.yml');
    writeFileSync(
      file,
      `data_dir: ${JSON.stringify(join(dir, 'data'))}\ncloud:\n  url: https://${PROXY_ONLY_HOST}:${emulator.port}/\n  ca_file: ${JSON.stringify(caFile)}\n`,
    );
    return file;
  };
  const good = join(dir, 'corporate.pem');
  writeFileSync(good, ca.caPem);
  const env = { HTTPS_PROXY: proxy.urlWithCredentials('svc-echo', 'pw') };

  const plain = await run(['validate-config', config(good)], env);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /cloud CAs besides Node's: cloud\.ca_file: 1 certificate/);
  assert.equal(proxy.requests.length, 0, 'without --check-network nothing is connected');

  const ok = await run(['validate-config', config(good), '--check-network'], env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(
    ok.stdout,
    new RegExp(`Network: the cloud answers through the proxy ${proxy.url} \\(HTTPS_PROXY/HTTP_PROXY\\)`),
  );
  assert.match(ok.stdout, /through http:\/\/127\.0\.0\.1:\d+: answered 200/);
  assert.ok(!ok.stdout.includes('svc-echo'), 'the proxy credentials are never printed');
  assert.ok(proxy.requests.some((r) => r.method === 'CONNECT' && r.authorized));

  const wrong = join(dir, 'wrong.pem');
  writeFileSync(wrong, ca.otherCaPem);
  const refused = await run(['validate-config', config(wrong), '--check-network'], env);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stdout,
    /the certificate was issued by "Echo Test Inspecting Proxy CA" \(Echo Tests\), which Echo does not trust: set cloud\.ca_file/,
  );

  const notPem = join(dir, 'ca.der');
  writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
  const broken = await run(['validate-config', config(notPem)], env);
  assert.equal(broken.code, 2);
  assert.match(
    broken.stderr,
    /cloud\.ca_file: .*ca\.der has no PEM certificate; export the CA as Base-64 \(PEM\), not DER/,
  );
});
