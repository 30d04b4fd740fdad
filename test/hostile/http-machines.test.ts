/**
 * Issue 9, "One bad machine must never stop the others", for the HTTP machines: Ultimaker-shaped
 * printers answering every hostile body at once, MTConnect agents with deep or endless XML, and
 * EOSCONNECT v6 machines (HTTPS, pinned certificate) with deep or huge JSON, against the agent as
 * it ships (`echo-agent run` in a child process) next to a healthy Ultimaker polled every second.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEmulator, tempDir } from '../helpers/harness.ts';
import {
  assertHealthyThroughAttack,
  HEALTHY,
  measureBaseline,
  RSS_BOUND,
  StatusWatch,
  startAttack,
  startHealthyMachine,
  startPerMode,
  waitForError,
} from './attack.ts';
import { awaitClearErrors, rideOutAttack } from './attack-phases.ts';
import {
  eosV6Routes,
  HostileJsonMachine,
  HTTP_EXPECTED,
  type HttpHostility,
  ultimakerRoutes,
} from './machine-http-json.ts';
import { certificate, type Expectation, MB } from './machine-kit.ts';
import { HostileMtconnect, MTCONNECT_EXPECTED, type MtconnectHostility } from './machine-mtconnect.ts';
import { type MachineEntry, RealAgent, sleep } from './real-agent.ts';

const ATTACK_MS = 30_000;
const BASELINE_MS = 8000;

type Hostile<T extends string> = Exclude<T, 'healthy'>;
const UM_MODES = Object.keys(HTTP_EXPECTED) as Array<Hostile<HttpHostility>>;
const MT_MODES = Object.keys(MTCONNECT_EXPECTED) as Array<Hostile<MtconnectHostility>>;
const EOS_MODES = ['deep-json', 'huge-declared', 'wrong-types'] as const;

test('hostile HTTP machines against the real agent: each fails alone, the healthy one stays on time', async (t) => {
  const umNames = UM_MODES.map((m) => `um-${m}`);
  const mtNames = MT_MODES.map((m) => `mt-${m}`);
  const eosNames = EOS_MODES.map((m) => `eos-${m}`);
  const hostileNames = [...umNames, ...mtNames, ...eosNames];
  const { emulator, modelers } = await startEmulator(t, [HEALTHY, ...hostileNames]);
  const healthy = await startHealthyMachine(t);

  const ultimakers = await startPerMode(t, UM_MODES, () => HostileJsonMachine.start(ultimakerRoutes));
  const mtconnects = await startPerMode(t, MT_MODES, () => HostileMtconnect.start());
  const eosCertificate = await certificate('si2381');
  const eosMachines = await startPerMode(t, EOS_MODES, () =>
    HostileJsonMachine.start(eosV6Routes, eosCertificate),
  );
  const secret = join(tempDir(t), 'eos-password');
  writeFileSync(secret, 'hostile', { mode: 0o600 });

  const machines: MachineEntry[] = [
    healthy.entry,
    ...UM_MODES.map((mode) => ({
      name: `um-${mode}`,
      collector: 'ultimaker',
      connection: { host: '127.0.0.1', port: ultimakers.get(mode)!.port },
      poll_interval: 1,
      // The 700 MB answer gets a minute: before issue 9 the agent read it whole, and died of it.
      timeout: mode === 'huge-declared' ? 60 : 3,
    })),
    ...MT_MODES.map((mode) => ({
      name: `mt-${mode}`,
      collector: 'stratasys-mtconnect',
      connection: { url: `http://127.0.0.1:${mtconnects.get(mode)!.port}/` },
      poll_interval: 1,
      timeout: 5,
    })),
    ...EOS_MODES.map((mode) => ({
      name: `eos-${mode}`,
      collector: 'eos-connect-v6',
      connection: {
        host: '127.0.0.1',
        port: eosMachines.get(mode)!.port,
        tls: { fingerprint: eosCertificate.fingerprint256 },
      },
      credentials: { username: 'operator', password_ref: `file:${secret}` },
      poll_interval: 1,
      timeout: mode === 'huge-declared' ? 60 : 5,
    })),
  ];
  const agent = await RealAgent.start(t, { cloudUrl: emulator.url, modelers, machines });

  // Baseline: every machine behaves, the healthy one's rhythm is measured.
  const { baseline, rssBefore } = await measureBaseline(agent, [HEALTHY, ...hostileNames], BASELINE_MS);

  // The attack: every hostile machine turns at once.
  const attack = startAttack();
  for (const [mode, machine] of ultimakers) machine.mode = mode as HttpHostility;
  for (const [mode, machine] of mtconnects) machine.mode = mode as MtconnectHostility;
  for (const [mode, machine] of eosMachines) machine.mode = mode as HttpHostility;
  const watch = new StatusWatch(agent);
  t.after(() => watch.stop());
  const sent = () =>
    [...ultimakers.values(), ...mtconnects.values(), ...eosMachines.values()].reduce(
      (sum, m) => sum + m.bytesSent,
      0,
    );

  await t.test(
    'issue 9 reproduction: a 700 MB answer is refused from its header (the agent died of ERR_STRING_TOO_LONG)',
    async (st) => {
      const huge = ultimakers.get('huge-declared')!;
      await waitForError(
        agent,
        'um-huge-declared',
        HTTP_EXPECTED['huge-declared'].error,
        30_000,
        'the 700 MB answer refused',
      );
      // Polled again and again (each time refused), it never gets the agent to read its body.
      const requestsBefore = huge.requests;
      await sleep(10_000);
      agent.assertAlive('while a machine declared 700 MB answers');
      assert.ok(huge.requests > requestsBefore, 'the machine was asked again (its failure is retried)');
      const live = (await agent.machine('um-huge-declared')).live!;
      assert.match(live.lastError!, /the answer is larger than 16 MB; Echo stopped reading it/);
      assert.equal(live.snapshot.state, 'error');
      st.diagnostic(
        `700 MB declared ${huge.requests} times; ${(huge.bytesSent / MB).toFixed(1)} MB written by the machine before the agent hung up`,
      );
      assert.ok(agent.maxRss < RSS_BOUND, `RSS ${(agent.maxRss / MB).toFixed(0)} MB`);
    },
  );

  await t.test(
    'every hostile HTTP machine fails alone, with an error that says what went wrong',
    async () => {
      const expected: Record<string, Expectation> = {};
      for (const mode of UM_MODES) expected[`um-${mode}`] = HTTP_EXPECTED[mode];
      for (const mode of MT_MODES) expected[`mt-${mode}`] = MTCONNECT_EXPECTED[mode];
      for (const mode of EOS_MODES) expected[`eos-${mode}`] = HTTP_EXPECTED[mode];
      // Each gets the time of a few polls (a stalled answer waits out its 3 s timeout first).
      await awaitClearErrors(agent, watch, expected, attack, attack.from + 20_000);
      for (const name of hostileNames) {
        const samples = watch.samples.get(name) ?? [];
        assert.ok(samples.at(-1)!.failures > 0, `${name} failed its polls`);
      }
    },
  );

  await t.test(
    'the healthy machine is polled on time and its captures reach the cloud, the agent stays up',
    async (st) => {
      await rideOutAttack(agent, watch, attack, attack.from + ATTACK_MS);
      assertHealthyThroughAttack(st, {
        agent,
        watch,
        healthy,
        emulator,
        modeler: modelers[HEALTHY]!,
        baseline,
        attack,
        sentBytes: sent(),
        rssBefore,
      });
    },
  );

  await agent.stop();
  assert.equal(agent.exited?.code, 0, `the agent stopped cleanly on SIGTERM (${agent.describeExit()})`);
});
