import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMachine, waitFor } from '../../../test/helpers/harness.ts';
import { BAMBU_DISCOVERY_PORT, parseAnnouncement } from './discovery.ts';
import { BambuSimulator, hmsEntry } from './simulator/bambu-simulator.ts';

async function setup(
  t: import('node:test').TestContext,
  options: { pin?: boolean; code?: string; staleAfter?: number; versionSerial?: string | null } = {},
) {
  const sim = await BambuSimulator.start({
    speed: 60,
    ...(options.versionSerial !== undefined ? { versionSerial: options.versionSerial } : {}),
  });
  t.after(() => sim.close());
  const machine = await startMachine(t, {
    collector: 'bambu',
    connection: {
      host: sim.host,
      port: sim.port,
      serial: sim.serial,
      stale_after: options.staleAfter ?? 2,
      ...(options.pin === false ? {} : { tls: { fingerprint: sim.fingerprint } }),
    },
    secret: options.code ?? sim.accessCode,
    poll_interval: 0.2,
    timeout: 2,
  });
  return { sim, ...machine };
}

test('a whole job over MQTT/TLS: partial reports merged, idle → printing → paused → idle, raw status in the cloud', async (t) => {
  const { sim, emulator, agent, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  await waitFor(() => live().snapshot.firmware === '01.08.02.00', 5000, 'firmware from get_version');
  assert.equal(live().snapshot.serialNumber, sim.serial);

  sim.startJob('benchy', 600, 240);
  await waitFor(() => (live().snapshot.job?.progress ?? 0) > 5, 15_000, 'printing with progress');
  const snapshot = live().snapshot;
  assert.equal(snapshot.state, 'printing');
  assert.equal(snapshot.job?.name, 'benchy');
  assert.equal(snapshot.job?.layers, 240);
  assert.ok(snapshot.job!.remainingSeconds! > 0 && snapshot.job!.remainingSeconds! <= 600);
  const nozzle = snapshot.gauges.find((g) => g.name === 'nozzle_temperature')!;
  assert.equal(nozzle.target, 220);
  // Partial updates carry no subtask_name: the merged state still knows the job.
  assert.ok(sim.reportsSent > 3);

  sim.pause();
  await waitFor(() => live().snapshot.state === 'paused', 5000, 'paused');
  sim.resume();
  await waitFor(() => live().snapshot.state === 'printing', 5000, 'printing again');
  await waitFor(() => live().snapshot.state === 'idle', 20_000, 'finished');
  // FINISH keeps the job on the printer: shown with its result, and in the job history.
  assert.equal(live().snapshot.job?.result, 'finished');
  const [job] = agent.machineJobs(agent.machines()[0]!.name, 5);
  assert.deepEqual([job?.name, job?.outcome], ['benchy', 'finished']);

  const cloudStates = () =>
    new Set(
      [...emulator.state.captures.values()]
        .filter((c) => c.content !== undefined)
        .map(
          (c) => (JSON.parse(c.content!.toString()) as { print: { gcode_state: string } }).print.gcode_state,
        ),
    );
  await waitFor(() => cloudStates().has('FINISH'), 15_000, 'the finished state in the cloud');
  await waitFor(() => agent.store.stats.captureBacklog() === 0, 15_000, 'backlog drained');
  const captures = [...emulator.state.captures.values()];
  assert.ok(captures.every((c) => c.capture_type_name === 'bambu.modeler.status'));
  const documents = captures.map(
    (c) => JSON.parse(c.content!.toString()) as { print: Record<string, unknown> },
  );
  const states = new Set(documents.map((d) => d.print.gcode_state));
  for (const state of ['IDLE', 'RUNNING', 'PAUSE', 'FINISH'])
    assert.ok(states.has(state), `a capture while ${state}`);
  assert.ok(
    documents.some((d) => d.print.subtask_name === 'benchy' && typeof d.print.nozzle_temper === 'number'),
    'the raw, merged print object reached the cloud',
  );
  // Temperatures move every half second, yet captures follow state changes, not every report.
  assert.ok(captures.length < live().polls / 2, `${captures.length} captures for ${live().polls} polls`);
});

test('a failed print is an error with its codes; cleared on the printer, idle again', async (t) => {
  const { sim, live, modeler, agent } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.startJob('bracket', 600);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  sim.fail();
  await waitFor(() => live().snapshot.state === 'error', 5000, 'error');
  assert.deepEqual(live().snapshot.errors, ['print error 0300_4000', 'HMS 0300_0100_0001_0001 (fatal)']);
  assert.equal(live().snapshot.job?.result, 'failed');
  assert.deepEqual(
    agent.machineJobs(agent.machines()[0]!.name, 5).map((j) => [j.name, j.outcome]),
    [['bracket', 'failed']],
  );
  await waitFor(() => modeler().error === 'print error 0300_4000', 10_000, 'the cloud hears the error');
  sim.clearError();
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'idle after clearing');
  await waitFor(() => modeler().error === null, 10_000, 'the cloud hears it cleared');
});

test("a user's cancel (FAILED with print_error 0300_400C, reset and flapping after) is one cancelled job, never an error", async (t) => {
  const { sim, live, modeler, agent } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');
  sim.startJob('lid', 600);
  await waitFor(() => live().snapshot.state === 'printing', 10_000, 'printing');
  const seen = new Set<string>();
  const watch = setInterval(() => seen.add(live().snapshot.state), 10);
  t.after(() => clearInterval(watch));
  sim.cancel({ stepMs: 700, states: ['IDLE', 'FAILED', 'IDLE'] });
  await waitFor(() => live().snapshot.job?.result === 'cancelled', 5000, 'the cancelled job shown');
  assert.equal(live().snapshot.state, 'idle');
  assert.deepEqual(live().snapshot.errors, []);
  // The code resets, the state goes IDLE, FAILED again, IDLE: still one cancelled job.
  await waitFor(() => sim.gcode === 'IDLE' && !sim.cancelling, 10_000, 'the printer settled');
  await waitFor(() => live().snapshot.state === 'idle' && !live().snapshot.job, 5000, 'idle');
  clearInterval(watch);
  assert.ok(!seen.has('error'), `never an error: ${[...seen].join(', ')}`);
  assert.deepEqual(
    agent.machineJobs(agent.machines()[0]!.name, 5).map((j) => [j.name, j.outcome]),
    [['lid', 'cancelled']],
  );
  assert.equal(modeler().error, null);
});

test("the configured serial when get_version's sn is empty", async (t) => {
  const { sim, live } = await setup(t, { versionSerial: '' });
  await waitFor(() => live().snapshot.firmware === '01.08.02.00', 10_000, 'get_version answered');
  assert.equal(live().snapshot.serialNumber, sim.serial);
});

test('HMS by severity through a real agent: common/info a warning, serious/fatal a machine error', async (t) => {
  const { sim, live, modeler } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');

  // Common and info: warnings, the printer stays idle.
  for (const [severity, name] of [
    [3, 'common'],
    [4, 'info'],
  ] as const) {
    sim.setHms([hmsEntry(severity)]);
    const warning = `warning: HMS 0300_0100_000${severity}_0001 (${name})`;
    await waitFor(() => live().snapshot.errors.includes(warning), 5000, `the ${name} warning`);
    assert.equal(live().snapshot.state, 'idle');
  }
  // Serious and fatal: a machine error, told to the cloud.
  for (const [severity, name] of [
    [2, 'serious'],
    [1, 'fatal'],
  ] as const) {
    sim.setHms([hmsEntry(severity)]);
    const error = `HMS 0300_0100_000${severity}_0001 (${name})`;
    await waitFor(() => live().snapshot.state === 'error', 5000, `error on a ${name} HMS`);
    await waitFor(() => modeler().error === error, 10_000, `the cloud hears the ${name} HMS`);
  }
  sim.setHms([]);
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'idle once the HMS is gone');
});

test('INIT, OFFLINE and an unknown gcode_state through a real agent', async (t) => {
  const { sim, live } = await setup(t);
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');

  sim.setGcodeState('OFFLINE');
  await waitFor(() => live().snapshot.state === 'offline', 5000, 'OFFLINE');
  sim.setGcodeState('INIT');
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'INIT: starting up, not an error');
  assert.deepEqual(live().snapshot.errors, []);
  sim.setGcodeState('CALIBRATING_LIDAR');
  await waitFor(() => live().snapshot.state === 'unknown', 5000, 'an unknown gcode_state');
  assert.equal(live().connected, true, 'read, not a failed report');
  sim.setGcodeState('IDLE');
  await waitFor(() => live().snapshot.state === 'idle', 5000, 'idle again');
});

test('faults: silence, garbage and a broker restart end in an honest state and recover within 30 s', async (t) => {
  const { sim, live } = await setup(t, { staleAfter: 1 });
  await waitFor(() => live().snapshot.state === 'idle', 10_000, 'idle');

  sim.setFault('silence');
  await waitFor(() => live().snapshot.state === 'offline', 15_000, 'offline when silent');
  assert.match(live().lastError!, /sent no report for 1 s/);
  sim.setFault(null);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back from silence');

  sim.setFault('garbage');
  await waitFor(() => live().snapshot.state === 'error', 10_000, 'error on garbage');
  assert.match(live().lastError!, /not JSON/);
  sim.setFault(null);
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back from garbage');

  const restarted = sim.restartBroker(1500);
  await waitFor(() => live().snapshot.state === 'offline', 10_000, 'offline while the broker is down');
  await restarted;
  const back = Date.now();
  await waitFor(() => live().snapshot.state === 'idle', 30_000, 'back after the broker restart');
  assert.ok(Date.now() - back < 30_000);
});

test('certificates: unknown → untrusted with its fingerprint; a changed one is refused; a wrong access code is an auth error', async (t) => {
  const unpinned = await setup(t, { pin: false });
  await waitFor(() => unpinned.live().snapshot.state === 'error', 10_000, 'untrusted');
  assert.match(unpinned.live().lastError!, /does not know yet \(SHA-256 [0-9A-F:]{95}\)/);
  const tested = await unpinned.agent.testMachine(unpinned.config.machines[0]!);
  assert.equal(tested.ok, false);
  assert.equal(
    tested.details?.fingerprint,
    unpinned.sim.fingerprint,
    'the UI gets the fingerprint to accept',
  );

  const pinned = await setup(t);
  await waitFor(() => pinned.live().snapshot.state === 'idle', 10_000, 'idle when pinned');
  await pinned.sim.replaceCertificate();
  await waitFor(
    () => /certificate changed/.test(pinned.live().lastError ?? ''),
    15_000,
    'changed certificate refused',
  );
  assert.equal(pinned.live().snapshot.state, 'error');

  const wrongCode = await setup(t, { code: '00000000' });
  await waitFor(() => wrongCode.live().snapshot.state === 'error', 10_000, 'auth error');
  assert.match(wrongCode.live().lastError!, /refused the LAN access code/);
});

test('discovery: the printers LAN announcements (UDP NOTIFY) become machines for the wizard', async (t) => {
  const sim = await BambuSimulator.start();
  t.after(() => sim.close());
  assert.equal(parseAnnouncement('M-SEARCH * HTTP/1.1\r\n\r\n'), undefined);
  const timer = setInterval(() => void sim.announce(BAMBU_DISCOVERY_PORT), 200);
  t.after(() => clearInterval(timer));
  const { agent } = await startMachine(t, {
    collector: 'bambu',
    connection: { host: sim.host, port: sim.port, serial: sim.serial, tls: { fingerprint: sim.fingerprint } },
    secret: sim.accessCode,
  });
  const found = await agent.discover(1);
  assert.deepEqual(found.problems, []);
  assert.deepEqual(found.machines, [
    {
      collector: 'bambu',
      name: 'X1C-workshop',
      host: '127.0.0.1',
      serialNumber: sim.serial,
      model: 'BL-P001',
      connection: { host: '127.0.0.1', serial: sim.serial },
    },
  ]);
});
