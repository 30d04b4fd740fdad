/**
 * The command path attacked from the cloud's side (docs/commands.md): a proxy in front of the
 * emulator (hostile-cloud.ts) serves malformed commands on the poll and the events stream, and
 * hostile answers to the status reports. The agent must stay up, bound what it reads, touch the
 * machine with nothing it should not, and report what it can.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandEnded } from '../helpers/commands.ts';
import { waitFor } from '../helpers/harness.ts';
import {
  afterEmulator,
  endless,
  pollAnswer,
  type Rig,
  rawAnswer,
  route,
  startRig,
  stillUp,
} from './hostile-cloud.ts';

/** The agent's RSS may grow this much while attacked: far below what an unbounded read takes. */
const RSS_GROWTH_BOUND = 400 * 1024 * 1024;

const stored = (rig: Rig, uri: string) =>
  rig.agent.store.commands.recent({ limit: 1000 }).find((c) => c.uri === uri);

test('malformed commands on the poll: the agent stays up, the printer gets nothing, a command of ours with bad content is reported invalid', async (t) => {
  const rig = await startRig(t);
  const { cloud, modelers } = rig;
  const rssBefore = process.memoryUsage().rss;
  // Installed before any command exists: the emulator's own list never reaches the agent.
  let page = '{"resources":[],"total_count":0}';
  cloud.intercept({
    match: route('GET', '/modeler-command/?'),
    answer: (req, res) => rawAnswer(200, page)(req, res),
  });
  const send = (fields: Record<string, unknown> & { type: string }) =>
    cloud.emulator.sendCommand({ modeler: modelers.target, ...fields }, { push: false });
  const badPreset = send({ type: 'pause_job' });
  const unknownType = send({ type: 'self_destruct' });
  const huge = send({ type: 'pause_job' });
  const infinite = send({ type: 'cancel_job' });
  const deep = send({ type: 'check_configuration' });
  const good = send({ type: 'check_configuration' });
  const otherModeler = cloud.emulator.state.addModeler({ name: 'elsewhere' }).uri;
  const strangers = send({ type: 'pause_job', modeler: otherModeler });
  const { uri: _u, ...noUri } = send({ type: 'pause_job' });
  const { type: _ty, ...noType } = send({ type: 'pause_job' });
  const { modeler: _m, ...noModeler } = send({ type: 'pause_job' });
  const foreignUri = `${rig.foreign.url}/modeler-command/00000000-0000-4000-8000-00000000000f/`;
  const deepValue = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  // Written as text: `1e999` and a 100,000-deep array cannot be made by JSON.stringify.
  const items = [
    JSON.stringify({ ...badPreset, printing_preset: 5 }),
    JSON.stringify(unknownType),
    JSON.stringify({ ...huge, job_external_id: 'x'.repeat(1024 * 1024), note: 'y'.repeat(1024 * 1024) }),
    JSON.stringify(infinite).replace(/}$/, ',"job_external_id":1e999}'),
    JSON.stringify(deep).replace(/}$/, `,"extra":${deepValue}}`),
    JSON.stringify(strangers),
    JSON.stringify(noUri),
    JSON.stringify(noType),
    JSON.stringify(noModeler),
    JSON.stringify({ ...send({ type: 'pause_job' }), uri: foreignUri }),
    JSON.stringify({ ...send({ type: 'pause_job' }), modeler: 42, type: ['x'] }),
    '"a string"',
    'null',
    '[[]]',
    JSON.stringify(good),
  ];
  page = `{"resources":[${items.join(',')}],"total_count":${items.length}}`;

  // A good command after all the bad ones on the same page is still taken and run.
  const ok = await commandEnded(cloud.emulator, good.uuid, 'the good command on the page', 30_000);
  assert.equal(ok.status, 'complete', JSON.stringify(ok.response));
  // Ours, with a valid uri but content the contract does not allow: reported as error `invalid`.
  for (const bad of [badPreset, infinite]) {
    const ended = await commandEnded(cloud.emulator, bad.uuid, `${bad.type} reported`, 30_000);
    assert.equal(ended.status, 'error');
    assert.equal(ended.response.error, 'invalid', JSON.stringify(ended.response));
    assert.deepEqual(ended.reports, ['processing', 'error']);
  }
  const unknown = await commandEnded(cloud.emulator, unknownType.uuid, 'the unknown type reported', 30_000);
  assert.equal(unknown.response.error, 'unsupported_command');
  const refused = await commandEnded(cloud.emulator, huge.uuid, 'the 1 MB command reported', 30_000);
  assert.equal(refused.status, 'error');
  // Nested deeper than JSON can write back: it cannot be kept as received, so it is not run.
  const tooDeep = await commandEnded(cloud.emulator, deep.uuid, 'the deep command', 30_000);
  assert.equal(tooDeep.response.error, 'invalid', JSON.stringify(tooDeep.response));
  // Not ours, or not addressable: left alone, never stored.
  assert.equal(cloud.emulator.state.commands.get(strangers.uuid)!.status, 'new');
  assert.equal(stored(rig, strangers.uri), undefined);
  // On another origin: the status report is refused before it leaves, so it is never run.
  await waitFor(() => stored(rig, foreignUri)?.state === 'rejected', 30_000, 'the foreign command withdrawn');
  assert.equal(rig.foreign.seen.length, 0, 'nothing went to the other origin');
  assert.deepEqual(rig.target.commandsReceived, [], 'the printer received nothing');
  await stillUp(rig);
  assert.ok(process.memoryUsage().rss - rssBefore < RSS_GROWTH_BOUND, 'memory stays bounded');
});

test('a poll answer that is not JSON, then a good one: the bad round is skipped, the next one is read', async (t) => {
  const rig = await startRig(t);
  const good = rig.cloud.emulator.sendCommand(
    { type: 'check_configuration', modeler: rig.modelers.target },
    { push: false },
  );
  let served = 0;
  rig.cloud.intercept({
    match: route('GET', '/modeler-command/?'),
    answer: (req, res) => {
      served++;
      rawAnswer(200, '{"resources":[{"uri":')(req, res);
    },
    times: 4,
  });
  const ended = await commandEnded(rig.cloud.emulator, good.uuid, 'the command after the garbage', 30_000);
  assert.equal(ended.status, 'complete', JSON.stringify(ended).slice(0, 600));
  assert.ok(served >= 4, 'the garbage was served first');
  await stillUp(rig);
});

test('the events stream: a 10 MB line without a newline is cut, an endless stream of events is read in bounded memory, and commands still arrive', async (t) => {
  const rig = await startRig(t);
  const { cloud, modelers } = rig;
  const rssBefore = process.memoryUsage().rss;
  // The poll finds nothing: only the stream can deliver.
  cloud.intercept(pollAnswer(() => []));
  let longLineClosed = false;
  let longLineWritten = 0;
  cloud.intercept({
    match: route('GET', '/events/commands'),
    times: 1,
    answer(req, res) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: ');
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (!longLineClosed && longLineWritten < 10 * 1024 * 1024 && res.write(chunk))
          longLineWritten += chunk.length;
        if (!longLineClosed && longLineWritten < 10 * 1024 * 1024) res.once('drain', pump);
      };
      req.socket.on('close', () => {
        longLineClosed = true;
      });
      pump();
    },
  });
  await waitFor(() => longLineClosed, 30_000, 'the agent to drop the endless line');
  assert.ok(longLineWritten < 10 * 1024 * 1024, `cut before the end (${longLineWritten} bytes written)`);

  // Next connection: an endless flood of events (other topics, other modelers, garbage), with one
  // real command in the middle.
  const pushed = cloud.emulator.sendCommand(
    { type: 'check_configuration', modeler: modelers.target },
    { push: false },
  );
  let floodServed = 0;
  const flood =
    'data: {"topic":"other","payload":{}}\n\n' +
    `data: {"topic":"nautilus.command","payload":{"uri":"x","type":"pause_job","modeler":"${modelers.bystander}x","status":"new"}}\n\n` +
    'data: not json\n\n' +
    ': comment\n\n';
  cloud.intercept({
    match: route('GET', '/events/commands'),
    answer(req, res) {
      floodServed++;
      endless(200, flood.repeat(50), 'text/event-stream')(req, res);
      setTimeout(
        () => res.write(`data: ${JSON.stringify({ topic: 'nautilus.command', payload: pushed })}\n\n`),
        1500,
      );
    },
  });
  const ended = await commandEnded(cloud.emulator, pushed.uuid, 'the command pushed amid the flood', 60_000);
  // The flood keeps the agent's event loop busy by design: on a loaded machine the answer to its
  // `processing` can miss the 5 s request timeout, and then the command is rightly not run
  // (at most once). Either way it arrived by the stream and was answered.
  const answered =
    ended.status === 'complete' || (ended.status === 'error' && ended.response.error === 'not_run');
  assert.ok(answered, JSON.stringify(ended).slice(0, 600));
  assert.ok(floodServed >= 1);
  assert.equal(stored(rig, pushed.uri)?.via, 'stream');
  assert.deepEqual(rig.target.commandsReceived, []);
  await stillUp(rig);
  assert.ok(process.memoryUsage().rss - rssBefore < RSS_GROWTH_BOUND, 'memory stays bounded');
});

test('hostile answers to the status reports: garbage, a 409 with garbage, 30 MB, a reply that never ends, a redirect elsewhere', async (t) => {
  const rig = await startRig(t);
  const { cloud, modelers } = rig;
  const rssBefore = process.memoryUsage().rss;
  const run = async (answer: Parameters<typeof cloud.intercept>[0]['answer'], what: string) => {
    const command = cloud.emulator.sendCommand(
      { type: 'check_configuration', modeler: modelers.target },
      { push: false },
    );
    const remove = cloud.intercept({
      match: (req, path) => req.method === 'PUT' && path === new URL(command.uri).pathname,
      answer,
      times: 1,
    });
    t.after(remove);
    await waitFor(
      () =>
        stored(rig, command.uri)?.reported !== undefined || stored(rig, command.uri)?.state === 'rejected',
      40_000,
      what,
    );
    return { command, row: () => stored(rig, command.uri)! };
  };

  // 200 with garbage, after the cloud took it: an acknowledgement (the body is not read as JSON).
  const garbage = await run(
    afterEmulator(cloud, (res) => rawAnswer(200, '\u0000<html>{{{')(undefined as never, res)),
    'garbage',
  );
  assert.equal(
    (await commandEnded(cloud.emulator, garbage.command.uuid, 'after garbage', 30_000)).status,
    'complete',
  );

  // 409 with garbage, the cloud never having taken it: read back (`new`), so withdrawn, not run.
  const conflict = await run(rawAnswer(409, 'not json at all'), '409');
  await waitFor(() => conflict.row().state === 'rejected', 30_000, 'the 409 command withdrawn');
  assert.match(conflict.row().reason ?? '', /shows this command as new/);

  // 30 MB after the cloud took it.
  const big = await run(
    afterEmulator(cloud, (res) => rawAnswer(200, 'z'.repeat(30 * 1024 * 1024))(undefined as never, res)),
    '30 MB',
  );
  // Read up to 16 MB only: the answer counts as lost, and a lost answer to processing means not run.
  const bigEnd = await commandEnded(cloud.emulator, big.command.uuid, 'after 30 MB', 40_000);
  assert.equal(bigEnd.status, 'error');
  assert.equal(bigEnd.response.error, 'not_run');

  // Never ends: the request timeout ends it; the answer was lost, so the command is not run.
  const hanging = await run(
    afterEmulator(cloud, (res) => endless(200, 'w'.repeat(16 * 1024))(res.req, res)),
    'endless',
  );
  const hangingEnd = await commandEnded(
    cloud.emulator,
    hanging.command.uuid,
    'after the endless reply',
    40_000,
  );
  assert.equal(hangingEnd.status, 'error');
  assert.equal(hangingEnd.response.error, 'not_run');

  // A redirect to another origin: not followed (neither the credential nor the report goes
  // there, and no other server can acknowledge it), so the command is not run.
  const redirected = await run(rawAnswer(307, '', { location: `${rig.foreign.url}/steal` }), 'redirect');
  await waitFor(() => redirected.row().state === 'rejected', 30_000, 'the redirected command withdrawn');
  assert.match(redirected.row().reason ?? '', /not the cloud's origin/);
  assert.deepEqual(rig.foreign.seen, [], 'nothing reached the other origin');
  assert.deepEqual(rig.target.commandsReceived, []);
  await stillUp(rig);
  assert.ok(process.memoryUsage().rss - rssBefore < RSS_GROWTH_BOUND, 'memory stays bounded');
});
