import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

test('a machine added in the app is edited (password kept or replaced), others are refused in words; its jobs are listed', async (t) => {
  const printer = await UltimakerSimulator.start({ name: 'um-9', speed: 2 });
  t.after(() => printer.close());
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const dir = tempDir(t);
  const config = testConfig(
    dir,
    emulator.url,
    {},
    {
      machines: [
        {
          name: 'from-file',
          collector: 'ultimaker',
          connection: { host: '127.0.0.1', port: 9 },
          poll_interval: 30,
          modeler: modelers.p1,
        },
      ],
    },
  );
  const agent = await startAgentWithCollectors(t, config);
  const { url, token } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & { error?: { message: string } },
    };
  };
  const machine = {
    name: 'um-9',
    collector: 'ultimaker',
    connection: { host: printer.host, port: printer.port },
    poll_interval: 0.2,
    credentials: { username: 'echo' },
  };
  assert.equal((await call('POST', '/api/v1/machines', { machine, password: 'first' })).status, 201);

  const definition = await call('GET', '/api/v1/machines/um-9');
  assert.equal(definition.status, 200);
  const stored = definition.body.machine as { credentials: { password_ref: string } };
  assert.equal(definition.body.origin, 'ui');
  assert.match(stored.credentials.password_ref, /^store:/);
  assert.equal(agent.secrets.get(stored.credentials.password_ref.slice(6)), 'first');

  // No password: the stored one is kept. A new one replaces it.
  const kept = await call('PUT', '/api/v1/machines/um-9', { machine: { ...machine, poll_interval: 0.3 } });
  assert.equal(kept.status, 200, kept.body.error?.message);
  assert.equal(agent.allMachines().find((m) => m.name === 'um-9')?.poll_interval, 0.3);
  assert.equal(
    agent.allMachines().find((m) => m.name === 'um-9')?.credentials?.password_ref,
    stored.credentials.password_ref,
  );
  await call('PUT', '/api/v1/machines/um-9', { machine, password: 'second' });
  assert.equal(agent.secrets.get(stored.credentials.password_ref.slice(6)), 'second');
  const local = JSON.parse(readFileSync(join(dir, 'machines.local.json'), 'utf8')) as unknown[];
  assert.equal(local.length, 1);
  assert.doesNotMatch(JSON.stringify(local), /second|first/);

  // Refused, in words.
  const bad = await call('PUT', '/api/v1/machines/um-9', {
    machine: { ...machine, connection: { port: 'x' } },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error?.message ?? '', /connection/);
  const renamed = await call('PUT', '/api/v1/machines/um-9', { machine: { ...machine, name: 'other' } });
  assert.equal(renamed.status, 400);
  assert.match(renamed.body.error?.message ?? '', /machine\.name/);
  const fromFile = await call('PUT', '/api/v1/machines/from-file', {
    machine: { ...machine, name: 'from-file' },
  });
  assert.equal(fromFile.status, 409);
  assert.match(fromFile.body.error?.message ?? '', /configuration file/);
  assert.equal((await call('GET', '/api/v1/machines/from-file')).body.machine, undefined);
  assert.equal((await call('GET', '/api/v1/machines/nope')).status, 404);

  // A job, seen through the polls, in the machine's history.
  printer.startJob('bracket', 4); // 2 s at speed 2: several polls see it print
  await waitFor(
    () => agent.machineJobs('um-9', 5).some((j) => j.outcome === 'finished'),
    20_000,
    'a finished job',
  );
  const jobs = await fetch(`${url}/api/v1/machines/um-9/jobs`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const [job] = (await jobs.json()) as Array<{
    name: string;
    outcome: string;
    startedAt: string;
    endedAt: string;
  }>;
  assert.equal(job?.name, 'bracket');
  assert.equal(job?.outcome, 'finished');
  assert.ok(Date.parse(job.endedAt) >= Date.parse(job.startedAt));

  // Removed: its stored password goes with it; the job history stays.
  const removed = await fetch(`${url}/api/v1/machines/um-9`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(removed.status, 204);
  assert.equal(agent.secrets.get(stored.credentials.password_ref.slice(6)), undefined);
  assert.equal(agent.machineJobs('um-9', 5).length, 1);
});
