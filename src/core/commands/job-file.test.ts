import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { pino } from 'pino';
import { CloudNetworkError } from '../../shared/errors.ts';
import { CloudHttpClient } from '../cloud/http-client.ts';
import { downloadJobFile, safeFileName } from './job-file.ts';

test('safeFileName keeps a name inside its folder, readable, and bounded', () => {
  const cases: Array<[string | null | undefined, string]> = [
    ['bracket.3mf', 'bracket.3mf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['..', 'job-file'],
    ['.', 'job-file'],
    ['', 'job-file'],
    [null, 'job-file'],
    [undefined, 'job-file'],
    ['dir/', 'job-file'],
    ['.hidden.gcode', 'hidden.gcode'],
    ['part. ', 'part'],
    ['a:b*c?.stl', 'a_b_c_.stl'],
    ['tab\there\u0000.gcode', 'tab_here_.gcode'],
    ['CON', '_CON'],
    ['nul.gcode', '_nul.gcode'],
    ['evil\u202Eedoc.exe', 'evil_edoc.exe'],
    ['Pièce été.3mf', 'Pièce été.3mf'],
  ];
  for (const [input, expected] of cases) assert.equal(safeFileName(input), expected, String(input));
  const long = safeFileName(`${'é'.repeat(300)}.gcode`);
  assert.ok(Buffer.byteLength(long) <= 150, long);
  assert.ok(long.endsWith('é.gcode'));
  assert.equal(safeFileName('x'.repeat(1000)).length, 150);
});

async function server(t: TestContext, handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(handle);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** A cloud whose build file's content link points at `link`, and a folder for the downloads. */
async function cloudFor(t: TestContext, link: string, resource: Record<string, unknown> = {}) {
  const seen: Array<string | undefined> = [];
  const cloud = await server(t, (req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        uri: `${cloud}/build-file/1/`,
        name: 'part.gcode',
        virus_scan: 'passed',
        content: link,
        ...resource,
      }),
    );
  });
  const client = new CloudHttpClient(`${cloud}/`, 5000);
  client.auth = { kind: 'token', uuid: 'u', secret: 's' };
  const dir = mkdtempSync(join(tmpdir(), 'echo-job-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const options = {
    client,
    resourceUri: `${cloud}/build-file/1/`,
    kind: 'build-file' as const,
    dir: join(dir, 'files'),
    maxBytes: 1 << 20,
    scanWaitMs: 0,
    logger: pino({ level: 'silent' }),
  };
  return { seen, options, files: () => readdirSync(join(dir, 'files')) };
}

test('a presigned link on another origin is downloaded without the credential; the cloud gets it', async (t) => {
  const store: Array<string | undefined> = [];
  const objectStore = await server(t, (req, res) => {
    store.push(req.headers.authorization);
    res.writeHead(200, { 'content-length': 4 });
    res.end('G28\n');
  });
  const { seen, options } = await cloudFor(t, `${objectStore}/bucket/part?X-Signature=abc`);
  const result = await downloadJobFile(options);
  assert.equal(readFileSync(result.path, 'utf8'), 'G28\n');
  assert.deepEqual(store, [undefined]);
  assert.match(seen[0] ?? '', /^Basic /);
});

test('a download that breaks off or stalls is a CloudNetworkError, naming no token, and leaves no file', async (t) => {
  const objectStore = await server(t, (req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write('x'.repeat(100));
    if (req.url?.startsWith('/reset')) setTimeout(() => res.destroy(), 20);
    // /stall: sends nothing more.
  });
  for (const path of ['/reset', '/stall']) {
    const { options, files } = await cloudFor(t, `${objectStore}${path}?token=secret-token`);
    await assert.rejects(downloadJobFile({ ...options, idleTimeoutMs: 200 }), (error: unknown) => {
      assert.ok(error instanceof CloudNetworkError, String(error));
      assert.doesNotMatch(error.message, /secret-token/);
      return true;
    });
    assert.deepEqual(files(), [], path);
  }
});

test('an abort stops the download with the signal’s reason and leaves no file', async (t) => {
  const objectStore = await server(t, (_req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write('x'.repeat(100));
  });
  const { options, files } = await cloudFor(t, `${objectStore}/slow`);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('agent stopping')), 100);
  await assert.rejects(downloadJobFile({ ...options, signal: controller.signal }), /agent stopping/);
  assert.deepEqual(files(), []);
});
