/**
 * A start_job's file from a hostile cloud (docs/commands.md, "start_job files"): the build-file
 * resource and its download lie about where the file is, how long it is, what it hashes to and
 * how it was scanned. Nothing may reach the printer unless the file is the one described, the
 * cloud's credential never leaves the cloud's origin, and each refusal names its reason.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { commandEnded } from '../helpers/commands.ts';
import { type Rig, rawAnswer, route, startRig, stillUp } from './hostile-cloud.ts';

const FILE = Buffer.from(';FLAVOR:UltiGCode\nG1 X10\n'.repeat(4000));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A `/build-file/` the proxy serves itself: a passed, complete file unless `fields` say otherwise. */
function buildFile(rig: Rig, fields: Record<string, unknown>): string {
  const path = `/build-file/${randomUUID()}/`;
  const resource = {
    uri: `${rig.cloud.url}${path}`,
    name: 'bracket.gcode',
    format: 'gcode',
    status: 'complete',
    virus_scan: 'passed',
    file_size: FILE.length,
    sha256: sha256(FILE),
    ...fields,
  };
  rig.cloud.intercept({ match: route('GET', path), answer: rawAnswer(200, JSON.stringify(resource)) });
  return resource.uri;
}

/** A download link on the proxy (the cloud's own origin), answered by `answer`. */
function link(rig: Rig, answer: (req: IncomingMessage, res: ServerResponse) => void): string {
  const path = `/hostile-file/${randomUUID()}`;
  rig.cloud.intercept({ match: route('GET', path), answer });
  return `${rig.cloud.url}${path}`;
}

async function startJob(rig: Rig, fileUri: string, what: string) {
  const command = rig.cloud.emulator.sendCommand({
    type: 'start_job',
    modeler: rig.modelers.target,
    'build-file': fileUri,
  });
  return commandEnded(rig.cloud.emulator, command.uuid, what, 40_000);
}

const uploads = (rig: Rig) => rig.target.commandsReceived.filter((c) => c.method === 'POST');

test('a link on another origin is fetched without the cloud credential, and the file is printed as described', async (t) => {
  const rig = await startRig(t);
  rig.foreign.respond = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(FILE.length) });
    res.end(FILE);
  };
  const uri = buildFile(rig, { content: `${rig.foreign.url}/bucket/bracket.gcode?signature=s3cr3t` });
  const ended = await startJob(rig, uri, 'the start_job from a presigned link');
  assert.equal(ended.status, 'complete', JSON.stringify(ended.response));
  assert.equal(rig.foreign.seen.length, 1);
  assert.equal(rig.foreign.seen[0]!.authorization, undefined, 'no credential at the other origin');
  assert.equal(rig.foreign.seen[0]!.cookie, undefined);
  const resourceGet = rig.cloud.seen.find((s) => s.path === new URL(uri).pathname);
  assert.ok(resourceGet?.authorization, 'the cloud itself gets the credential (the check above is live)');
  assert.equal(uploads(rig)[0]?.file?.sha256, sha256(FILE));
});

test('a lying build file never reaches the printer: short body, too large, wrong checksum, unknown scan state', async (t) => {
  const rig = await startRig(t, { maxFileMb: 1, scanWaitS: 1 });

  // Content-Length says the whole file; the connection ends after 100 bytes.
  const short = link(rig, (_req, res) => {
    res.writeHead(200, { 'content-length': String(FILE.length) });
    res.write(FILE.subarray(0, 100), () => res.socket?.destroy());
  });
  const cut = await startJob(rig, buildFile(rig, { content: short }), 'the cut download');
  assert.equal(cut.status, 'error');
  assert.match(String(cut.response.message), /broke off after \d+ bytes/);

  // No file_size, and the download goes past the 1 MB limit.
  const big = Buffer.alloc(3 * 1024 * 1024, 0x41);
  const huge = link(rig, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(big);
  });
  const tooLarge = await startJob(
    rig,
    buildFile(rig, { content: huge, file_size: null, sha256: null }),
    'too large',
  );
  assert.equal(tooLarge.status, 'error');
  assert.equal(tooLarge.response.error, 'too_large', JSON.stringify(tooLarge.response));

  // The bytes differ from the sha256 the resource gives.
  const other = link(rig, (_req, res) => {
    res.writeHead(200, { 'content-length': String(FILE.length) });
    res.end(Buffer.from(FILE).fill(0x20, 0, 10));
  });
  const mismatch = await startJob(rig, buildFile(rig, { content: other }), 'checksum mismatch');
  assert.equal(mismatch.response.error, 'checksum_mismatch', JSON.stringify(mismatch.response));
  assert.match(String(mismatch.response.message), /sha256/);

  // A scan state the contract does not know is not `passed`: waited for, then refused unread.
  let downloads = 0;
  const never = link(rig, (_req, res) => {
    downloads++;
    res.end(FILE);
  });
  const unknown = await startJob(
    rig,
    buildFile(rig, { content: never, virus_scan: 'probably_fine' }),
    'unknown scan',
  );
  assert.equal(unknown.response.error, 'not_scanned', JSON.stringify(unknown.response));
  assert.match(String(unknown.response.message), /probably_fine/);
  assert.equal(downloads, 0, 'a file not scanned is never downloaded');

  assert.deepEqual(uploads(rig), [], 'the printer received no file');
  assert.deepEqual(rig.target.commandsReceived, []);
  await stillUp(rig);
});
