import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import pino from 'pino';
import type { CloudEmulator } from '../../src/cloud-emulator/server.ts';
import type { InstallerRecord } from '../../src/cloud-emulator/state.ts';
import { wallClock } from '../../src/core/clock.ts';
import { CloudHttpClient } from '../../src/core/cloud/http-client.ts';
import { UpdateChecker, type UpdateSettings } from '../../src/core/updates/update-checker.ts';
import { ECHO_VERSION } from '../../src/core/version.ts';
import { SEED_TOKEN, startAgent, startEmulator, testConfig } from '../helpers/harness.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/**
 * Updates from the cloud's `/installer/` feed, against the real emulator: the checker the agent
 * wires (src/core/updates), its reads and downloads going through the agent's own CloudHttpClient.
 * The platform is given (the feed has Windows and Mac builds only; the tests run anywhere).
 */

const SETTINGS: UpdateSettings = { check: 'cloud', interval: 86_400, require_checksum: true, max_file_mb: 1 };

function entry(version: string, fields: Partial<InstallerRecord> = {}): InstallerRecord {
  return {
    installer: 'Echo',
    platform: 'windows',
    architecture: 'amd64',
    type: 'exe',
    version,
    content: Buffer.from(`Echo ${version} installer bytes`),
    ...fields,
  };
}

function checker(
  t: TestContext,
  emulator: CloudEmulator,
  options: {
    current?: string;
    platform?: NodeJS.Platform;
    arch?: string;
    settings?: Partial<UpdateSettings>;
  } = {},
) {
  const dataDir = tempDir(t);
  const lines: Array<{ msg: string; [key: string]: unknown }> = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const client = new CloudHttpClient(emulator.url, 5000);
  client.auth = { kind: 'token', ...SEED_TOKEN };
  const updates = new UpdateChecker({
    client,
    settings: { ...SETTINGS, ...options.settings },
    dataDir,
    current: options.current ?? '1.2.3',
    platform: options.platform ?? 'win32',
    arch: options.arch ?? 'x64',
    clock: wallClock,
    logger,
    registered: () => true,
  });
  return { updates, dataDir, lines, updatesDir: join(dataDir, 'updates') };
}

function downloads(emulator: CloudEmulator): number {
  return emulator.state.requests.filter((r) => r.path.startsWith('/_installers/')).length;
}

test('a newer version for this platform is offered, downloaded and verified by its sha256', async (t) => {
  const { emulator } = await startEmulator(t, []);
  emulator.state.installers.push(
    entry('1.2.9'),
    entry('1.3.0'),
    entry('1.3.0', { type: 'msi' }),
    entry('1.4.0-rc.1', { architecture: 'x86' }),
    entry('9.0.0', { platform: 'mac' }),
    entry('8.0.0', { installer: 'CatalystSlicer' }),
    entry('latest'),
  );
  const { updates, updatesDir, lines } = checker(t, emulator);
  const status = await updates.check();
  assert.equal(status.state, 'idle');
  assert.deepEqual(status.available, {
    version: '1.3.0',
    platform: 'windows',
    architecture: 'amd64',
    type: 'exe',
  });
  assert.ok(status.checkedAt);
  assert.ok(
    lines.some((l) => l.msg.includes('version Echo cannot read') && l.version === 'latest'),
    'the unreadable version is logged and ignored',
  );
  const asked = emulator.state.requests.find((r) => r.path === '/installer/');
  assert.ok(asked, 'the feed was read');

  const result = await updates.download();
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.version, '1.3.0');
  assert.equal(result.verifiedBy, 'sha256');
  assert.equal(result.path, join(updatesDir, 'Echo-1.3.0-windows-amd64.exe'));
  assert.deepEqual(readFileSync(result.path), entry('1.3.0').content);
  assert.equal(result.sha256, createHash('sha256').update(entry('1.3.0').content).digest('hex'));
  assert.deepEqual(readdirSync(updatesDir), ['Echo-1.3.0-windows-amd64.exe'], 'no temporary file is left');
  const ready = updates.status();
  assert.equal(ready.state, 'ready');
  assert.equal(ready.file, result.path);
  assert.equal(ready.verifiedBy, 'sha256');

  // Asked again: the ready file is answered, not fetched twice.
  const again = await updates.download();
  assert.ok(again.ok);
  assert.equal(downloads(emulator), 1);
});

test('the running version, or an older one, is quiet: nothing offered, nothing downloaded', async (t) => {
  const { emulator } = await startEmulator(t, []);
  emulator.state.installers.push(entry('1.2.3'), entry('1.2.3-rc.4'), entry('1.0.0'));
  const { updates, lines } = checker(t, emulator);
  const status = await updates.check();
  assert.equal(status.state, 'idle');
  assert.equal(status.available, undefined);
  assert.equal(status.error, undefined);
  assert.ok(!lines.some((l) => (l.level as number) >= 40), 'no warning');
  const result = await updates.download();
  assert.deepEqual(result.ok ? 'downloaded' : result.code, 'no_update');
  assert.equal(downloads(emulator), 0);
});

test('a file that does not match its checksum is deleted and refused in words', async (t) => {
  const { emulator } = await startEmulator(t, []);
  emulator.state.installers.push(entry('2.0.0', { sha256: 'ab'.repeat(32) }));
  const { updates, updatesDir } = checker(t, emulator);
  const result = await updates.download();
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.code, 'update_refused');
  assert.match(result.message, /does not match the cloud's checksum/);
  assert.match(result.message, /deleted/);
  assert.equal(downloads(emulator), 1, 'it was downloaded, then refused');
  assert.deepEqual(readdirSync(updatesDir), [], 'no file is left, complete or partial');
  const status = updates.status();
  assert.equal(status.state, 'failed');
  assert.match(status.error ?? '', /does not match the cloud's checksum/);
  assert.equal(status.file, undefined);
});

test('without a checksum: refused before downloading on a Mac, left to the signature check on Windows', async (t) => {
  const { emulator } = await startEmulator(t, []);
  emulator.state.installers.push(
    entry('3.0.0', { sha256: null }),
    entry('3.0.0', { platform: 'mac', sha256: null }),
  );
  const mac = checker(t, emulator, { platform: 'darwin' });
  const refused = await mac.updates.download();
  assert.ok(!refused.ok);
  assert.equal(refused.code, 'update_refused');
  assert.match(refused.message, /without a sha256/);
  assert.equal(downloads(emulator), 0);
  assert.equal(existsSync(join(mac.updatesDir, 'Echo-3.0.0-mac-amd64.exe')), false);

  const lenient = checker(t, emulator, { platform: 'darwin', settings: { require_checksum: false } });
  const unverified = await lenient.updates.download();
  assert.ok(unverified.ok);
  assert.equal(unverified.verifiedBy, 'none');

  const windows = checker(t, emulator);
  const signed = await windows.updates.download();
  assert.ok(signed.ok);
  assert.equal(signed.verifiedBy, 'signature');
});

test('a download past updates.max_file_mb is stopped and deleted', async (t) => {
  const { emulator } = await startEmulator(t, []);
  emulator.state.installers.push(entry('4.0.0', { content: Buffer.alloc(1024 * 1024 + 1, 1) }));
  const { updates, updatesDir } = checker(t, emulator);
  const result = await updates.download();
  assert.ok(!result.ok);
  assert.equal(result.code, 'update_refused');
  assert.match(result.message, /passed the 1048576 bytes allowed/);
  assert.deepEqual(readdirSync(updatesDir), []);
});

test('no builds for this platform, or updates.check off: the cloud is not asked', async (t) => {
  const { emulator } = await startEmulator(t, []);
  emulator.state.installers.push(entry('5.0.0'));
  const linux = checker(t, emulator, { platform: 'linux' });
  assert.match((await linux.updates.check()).off ?? '', /no Echo builds for linux/);
  const off = checker(t, emulator, { settings: { check: 'off' } });
  assert.equal((await off.updates.check()).off, 'updates.check is off');
  const result = await off.updates.download();
  assert.ok(!result.ok);
  assert.equal(result.code, 'updates_off');
  assert.equal(emulator.state.requests.filter((r) => r.path === '/installer/').length, 0);
});

test('the agent shows `update` in its status and answers the update routes', async (t) => {
  const { emulator } = await startEmulator(t, []);
  emulator.state.installers.push(entry('1.2.3'));
  const dir = tempDir(t);
  await startAgent(t, testConfig(dir, emulator.url, {}));
  const { url, token } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const call = (method: string, path: string) =>
    fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const status = (await (await call('GET', '/api/v1/status')).json()) as { update?: { current: string } };
  assert.equal(status.update?.current, ECHO_VERSION);
  const update = (await (await call('GET', '/api/v1/update')).json()) as { current: string; off?: string };
  assert.equal(update.current, ECHO_VERSION);
  const check = await call('POST', '/api/v1/update/check');
  const download = await call('POST', '/api/v1/update/download');
  const downloadBody = (await download.json()) as { error: { code: string; message: string } };
  if (process.platform === 'linux') {
    // The feed has no Linux builds: the cloud is never asked.
    assert.match(update.off ?? '', /no Echo builds for linux/);
    assert.equal(check.status, 409);
    assert.equal(downloadBody.error.code, 'updates_off');
  } else {
    assert.equal(check.status, 200);
    assert.ok(['no_update', 'updates_off'].includes(downloadBody.error.code), downloadBody.error.code);
  }
});
