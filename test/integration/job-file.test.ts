import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type TestContext, test } from 'node:test';
import { pino } from 'pino';
import type { EmulatorOptions } from '../../src/cloud-emulator/server.ts';
import { CloudHttpClient } from '../../src/core/cloud/http-client.ts';
import {
  type DownloadJobFileOptions,
  downloadJobFile,
  JobFileRefused,
} from '../../src/core/commands/job-file.ts';
import { SEED_TOKEN, startEmulator, tempDir } from '../helpers/harness.ts';

/** An emulator, a client with the seed token, a job-file folder (not created yet) and a log. */
async function setup(t: TestContext, options: EmulatorOptions = {}) {
  const { emulator } = await startEmulator(t, [], options);
  const client = new CloudHttpClient(emulator.url, 5000);
  client.auth = { kind: 'token', ...SEED_TOKEN };
  const dir = join(tempDir(t), 'data', 'job-files');
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const download = (resourceUri: string, more: Partial<DownloadJobFileOptions> = {}) =>
    downloadJobFile({
      client,
      resourceUri,
      kind: 'build-file',
      dir,
      maxBytes: 1024 * 1024,
      scanWaitMs: 2000,
      pollMs: 20,
      logger,
      ...more,
    });
  return { emulator, client, dir, lines, download };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The files in `dir` (none when it was never made). */
function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function refused(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof JobFileRefused, `a JobFileRefused, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

test('a scanned build file downloads with its bytes and sha256, owner-only, and no temporary file left', async (t) => {
  const { emulator, dir, download } = await setup(t);
  const bytes = randomBytes(300_000);
  const file = emulator.addBuildFile({ name: 'bracket.3mf', content: bytes, format: '3mf' });

  const result = await download(file.uri);
  assert.equal(result.name, 'bracket.3mf');
  assert.equal(result.size, bytes.length);
  assert.equal(result.sha256, sha256(bytes));
  assert.equal(dirname(result.path), dir);
  assert.ok(result.path.endsWith('-bracket.3mf'));
  assert.deepEqual(readFileSync(result.path), bytes);
  assert.deepEqual(filesIn(dir), [relative(dir, result.path)]);
  if (process.platform !== 'win32') {
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(result.path).mode & 0o777, 0o600);
  }
  assert.equal(file.downloads, 1);
});

test('a link that expired before the download is replaced by a fresh GET, and the download succeeds', async (t) => {
  // A link lives 1 s: long enough that the fresh one is used in time on a loaded CI machine (50 ms
  // was not), short enough to be outlived by the first download's delay.
  const { emulator, download } = await setup(t, { jobFileLinkTtlMs: 1000 });
  const bytes = Buffer.from('G28\nG1 X10 Y10\n');
  const file = emulator.addBuildFile({ name: 'part.gcode', content: bytes, format: 'gcode' });
  let calls = 0;
  // The first download arrives after its link expired (a slow connection, a busy agent).
  emulator.state.beforeJobFileDownload = async () => {
    if (calls++ === 0) await new Promise((r) => setTimeout(r, 1300));
  };
  const gets = () => emulator.state.requests.filter((r) => r.path === `/build-file/${file.uuid}/`).length;

  const result = await download(file.uri);
  assert.deepEqual(readFileSync(result.path), bytes);
  assert.equal(file.downloadAttempts, 2);
  assert.equal(file.downloads, 1);
  assert.equal(gets(), 2, 'the resource was read again for a fresh link');
});

test('links that keep expiring are given up after 3 fresh ones, leaving no file', async (t) => {
  const { emulator, dir, download } = await setup(t, { jobFileLinkTtlMs: 20 });
  const file = emulator.addBuildFile({ name: 'part.gcode', content: Buffer.from('G28\n') });
  emulator.state.beforeJobFileDownload = () => new Promise((r) => setTimeout(r, 60));

  await assert.rejects(download(file.uri), refused('failed'));
  assert.equal(file.downloadAttempts, 4);
  assert.equal(file.downloads, 0);
  assert.deepEqual(filesIn(dir), []);
});

test('a quarantined file is refused and never downloaded', async (t) => {
  const { emulator, dir, download } = await setup(t);
  const file = emulator.addBuildFile({
    name: 'evil.zip',
    content: Buffer.from('PK...'),
    virus_scan: 'quarantined',
  });

  await assert.rejects(download(file.uri), refused('quarantined'));
  assert.equal(file.downloadAttempts, 0);
  assert.equal(file.downloads, 0);
  assert.deepEqual(filesIn(dir), []);
});

test('a file quarantined between the GET and the download is refused at the fresh GET, not downloaded', async (t) => {
  const { emulator, download } = await setup(t);
  const file = emulator.addBuildFile({ name: 'late.zip', content: Buffer.from('PK...') });
  emulator.state.beforeJobFileDownload = (f) => {
    f.virus_scan = 'quarantined';
  };

  await assert.rejects(download(file.uri), refused('quarantined'));
  assert.equal(file.downloadAttempts, 1);
  assert.equal(file.downloads, 0);
});

test('an unscanned file is waited for, and downloaded once the scan passed', async (t) => {
  const { emulator, download } = await setup(t);
  const bytes = Buffer.from('solid cube\nendsolid cube\n');
  const file = emulator.addBuildFile({ name: 'cube.stl', content: bytes, virus_scan: 'unscanned' });
  setTimeout(() => {
    emulator.state.buildFiles.get(file.uuid)!.virus_scan = 'passed';
  }, 150);

  const started = Date.now();
  const result = await download(file.uri, { scanWaitMs: 5000 });
  assert.ok(Date.now() - started >= 140);
  assert.deepEqual(readFileSync(result.path), bytes);
});

test('a file still being processed is waited for too, then downloaded', async (t) => {
  const { emulator, download } = await setup(t);
  const bytes = Buffer.from('sliced');
  const file = emulator.addBuildFile({
    name: 'sliced.gcode',
    content: bytes,
    status: 'processing',
    virus_scan: 'unscanned',
  });
  setTimeout(() => {
    Object.assign(file, { status: 'complete', virus_scan: 'passed' });
  }, 100);

  const result = await download(file.uri);
  assert.deepEqual(readFileSync(result.path), bytes);
});

test('a file that stays unscanned is refused after scanWaitMs; one still processing is not_ready', async (t) => {
  const { emulator, dir, download } = await setup(t);
  const unscanned = emulator.addBuildFile({
    name: 'a.stl',
    content: Buffer.from('x'),
    virus_scan: 'unscanned',
  });
  const started = Date.now();
  await assert.rejects(download(unscanned.uri, { scanWaitMs: 200 }), refused('not_scanned'));
  const waited = Date.now() - started;
  assert.ok(waited >= 190 && waited < 2000, `waited ${waited} ms`);
  assert.equal(unscanned.downloadAttempts, 0);

  const pending = emulator.addBuildFile({ name: 'b.stl', content: Buffer.from('x'), status: 'pending' });
  await assert.rejects(download(pending.uri, { scanWaitMs: 50 }), refused('not_ready'));
  const failed = emulator.addBuildFile({
    name: 'c.stl',
    content: Buffer.from('x'),
    status: 'error',
    error: 'slicing failed',
  });
  await assert.rejects(download(failed.uri), refused('failed'));
  assert.deepEqual(filesIn(dir), []);
});

test('a file over maxBytes is refused up front by file_size, and while streaming when file_size lies', async (t) => {
  const { emulator, dir, download } = await setup(t);
  const big = emulator.addBuildFile({ name: 'big.zip', content: randomBytes(5000) });
  await assert.rejects(download(big.uri, { maxBytes: 4096 }), refused('too_large'));
  assert.equal(big.downloadAttempts, 0, 'refused before any download');

  const liar = emulator.addBuildFile({ name: 'liar.zip', content: randomBytes(2_000_000), file_size: 100 });
  await assert.rejects(download(liar.uri, { maxBytes: 64 * 1024 }), refused('too_large'));
  assert.equal(liar.downloadAttempts, 1);
  assert.deepEqual(filesIn(dir), [], 'the partial download was removed');
});

test('a checksum or size that differs from the resource is refused and leaves no file', async (t) => {
  const { emulator, dir, download } = await setup(t);
  const wrongSum = emulator.addBuildFile({
    name: 'part.gcode',
    content: Buffer.from('G28\n'),
    sha256: sha256(Buffer.from('something else')),
  });
  await assert.rejects(download(wrongSum.uri), refused('checksum_mismatch'));
  const wrongSize = emulator.addBuildFile({
    name: 'part.gcode',
    content: Buffer.from('G28\n'),
    file_size: 5,
  });
  await assert.rejects(download(wrongSize.uri), refused('checksum_mismatch'));
  assert.deepEqual(filesIn(dir), []);

  // Without a checksum (as the seed's resource), the size alone is checked.
  const plain = emulator.addBuildFile({ name: 'plain.gcode', content: Buffer.from('G28\n'), sha256: null });
  const result = await download(plain.uri);
  assert.equal(result.sha256, sha256(Buffer.from('G28\n')));
});

test('a file name like ../../etc/passwd stays inside dir', async (t) => {
  const { emulator, dir, download } = await setup(t);
  for (const name of ['../../etc/passwd', '..\\..\\windows\\win.ini', '..', '.hidden', 'a/b/../../c.gcode']) {
    const file = emulator.addBuildFile({ name, content: Buffer.from(name) });
    const result = await download(file.uri);
    assert.equal(dirname(result.path), dir, name);
    assert.ok(!result.name.includes('/') && !result.name.includes('\\') && !result.name.startsWith('.'));
    assert.deepEqual(readFileSync(result.path), Buffer.from(name));
  }
  assert.equal(filesIn(dir).length, 5);
  assert.ok(!filesIn(join(dir, '..')).includes('etc'));
});

test('a machine job file (no scan state) is downloaded, and the log says it was not scanned', async (t) => {
  const { emulator, lines, download } = await setup(t);
  const bytes = Buffer.from('test print');
  const file = emulator.addMachineJobFile({ content: bytes });

  const result = await download(file.uri, { kind: 'machine_job_file' });
  assert.deepEqual(readFileSync(result.path), bytes);
  assert.equal(result.name, 'job-file');
  assert.ok(lines.some((l) => l.level === 40 && /no virus scan/.test(l.msg)));
});

test('the admin route adds a build file that the API serves', async (t) => {
  const { emulator, client, download } = await setup(t);
  const response = await fetch(`${emulator.url}_emulator/build-files`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'admin.gcode',
      content: Buffer.from('M84').toString('base64'),
      encoding: 'base64',
    }),
  });
  assert.equal(response.status, 201);
  const created = (await response.json()) as { uri: string; sha256: string; content: string };
  assert.equal(created.sha256, sha256(Buffer.from('M84')));
  const list = JSON.parse((await client.send({ method: 'GET', url: 'build-file/' })).text) as {
    total_count: number;
  };
  assert.equal(list.total_count, 1);
  // Without its token the download link answers 403 with the contract's error body.
  const bare = await fetch(created.content.replace(/\?.*$/, ''));
  assert.equal(bare.status, 403);
  assert.equal(((await bare.json()) as { errors: Array<{ code: string }> }).errors[0]?.code, 'link-expired');
  const result = await download(created.uri);
  assert.deepEqual(readFileSync(result.path), Buffer.from('M84'));
});
