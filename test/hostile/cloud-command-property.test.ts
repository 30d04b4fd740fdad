/**
 * A property of the command inbox on the poll path, against a real agent and real sockets
 * (hostile-cloud.ts): whatever JSON the cloud lists as a command, the inbox never throws (a
 * sentinel command after it on the same page is still taken), and the body is either stored (a
 * command of this agent's, `new`, that it can answer: run, or reported `invalid`) or logged as
 * ignored, never both; nothing reaches the printer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EVERY_COMMAND } from '../helpers/commands.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import { waitFor } from '../helpers/harness.ts';
import { agentLog, type Rig, rawAnswer, route, startRig, stillUp } from './hostile-cloud.ts';

const stored = (rig: Rig, uri: string) =>
  rig.agent.store.commands.recent({ limit: 1000 }).find((c) => c.uri === uri);

/** A command as the contract has it (docs/commands.md), checked here without the agent's schema. */
function validCommand(body: unknown): body is Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  const text = (v: unknown) => typeof v === 'string' && v !== '';
  const optional = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  const job = b.job_external_id;
  return (
    text(b.uri) &&
    text(b.type) &&
    text(b.modeler) &&
    typeof b.status === 'string' &&
    (optional(job) || (typeof job === 'number' && Number.isFinite(job))) &&
    ['build-file', 'build_file', 'machine_job_file', 'printing_preset'].every((k) => optional(b[k]))
  );
}

const IGNORED = 'a command from the cloud does not match the contract; ignored';

test('property: any JSON body on the poll is either stored or logged as ignored, never both, and never reaches the printer', async (t) => {
  const rig = await startRig(t);
  const { cloud, modelers } = rig;
  let page: unknown[] = [];
  cloud.intercept({
    match: route('GET', '/modeler-command/?'),
    answer: (req, res) => {
      const mine = new URL(req.url ?? '/', cloud.url).searchParams.get('filter[modeler]') === modelers.target;
      const items = mine ? page : [];
      rawAnswer(200, JSON.stringify({ resources: items, total_count: items.length }))(req, res);
    },
  });
  const field = fc.jsonValue({ maxDepth: 2 });
  // Mostly near a command of ours (where the interesting answers are), sometimes anything.
  const mostly = <T>(usual: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: field, weight: 1 });
  const body = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        {
          uri: mostly(fc.constant('FRESH')),
          type: mostly(fc.constantFrom(...EVERY_COMMAND, 'self_destruct')),
          modeler: mostly(fc.constantFrom('OURS', 'OURS', 'OTHER')),
          status: mostly(fc.constantFrom('new', 'new', 'processing')),
          job_external_id: field,
          printing_preset: field,
          'build-file': field,
        },
        { requiredKeys: ['uri', 'modeler', 'status'] },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
  // A modeler no machine of this agent reports as (another workstation's).
  const elsewhere = cloud.emulator.state.addModeler({ name: 'elsewhere' }).uri;
  const ignoredCount = () => agentLog(rig).filter((l) => l.msg === IGNORED).length;
  const storedCount = () => rig.agent.store.commands.recent({ limit: 1000 }).length;
  await fc.assert(
    fc.asyncProperty(body, async (generated) => {
      const fresh = cloud.emulator.sendCommand(
        { type: 'pause_job', modeler: modelers.target },
        { push: false },
      );
      const sentinel = cloud.emulator.sendCommand(
        { type: 'check_configuration', modeler: modelers.target },
        { push: false },
      );
      const swap: Record<string, string> = { FRESH: fresh.uri, OURS: modelers.target, OTHER: elsewhere };
      const sent =
        typeof generated === 'object' && generated !== null && !Array.isArray(generated)
          ? Object.fromEntries(
              Object.entries(generated).map(([k, v]) => [
                k,
                typeof v === 'string' && v in swap ? swap[v] : v,
              ]),
            )
          : generated;
      const ours = (b: Record<string, unknown>) => b.modeler === modelers.target && b.status === 'new';
      const answerable =
        typeof sent === 'object' &&
        sent !== null &&
        !Array.isArray(sent) &&
        typeof sent.uri === 'string' &&
        sent.uri !== '' &&
        typeof sent.modeler === 'string' &&
        ours(sent);
      const expected = validCommand(sent)
        ? ours(sent)
          ? 'stored'
          : 'neither'
        : answerable
          ? 'stored'
          : 'ignored';
      const [ignoredBefore, storedBefore] = [ignoredCount(), storedCount()];
      page = [sent, sentinel];
      // The sentinel after the body is stored only if the body did not break the page.
      await waitFor(() => stored(rig, sentinel.uri) !== undefined, 20_000, 'the sentinel after the body');
      page = [];
      const storedNow = storedCount() - storedBefore - 1;
      await waitFor(
        () => ignoredCount() - ignoredBefore >= (expected === 'ignored' ? 1 : 0),
        5000,
        'the log line',
      );
      const ignoredNow = ignoredCount() - ignoredBefore;
      assert.deepEqual(
        { stored: storedNow, ignored: ignoredNow },
        { stored: expected === 'stored' ? 1 : 0, ignored: expected === 'ignored' ? 1 : 0 },
        `${expected}: ${JSON.stringify(sent)}`,
      );
    }),
    { numRuns: fuzzRuns(25) },
  );
  await waitFor(
    () =>
      rig.agent.store.commands
        .recent({ limit: 1000 })
        .every((c) => c.state !== 'received' && c.state !== 'processing'),
    30_000,
    'every command ended',
  );
  assert.deepEqual(rig.target.commandsReceived, [], 'nothing reached the printer');
  await stillUp(rig);
});
