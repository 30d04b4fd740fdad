import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CloudEmulator } from '../../src/cloud-emulator/server.ts';
import type { Agent } from '../../src/core/agent.ts';
import { INSTALLATION_FILE } from '../../src/core/cloud/installation-identity.ts';
import type { ResolvedConfig } from '../../src/core/config/load.ts';
import { SEED_TOKEN, startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

/**
 * Issue 14: after a damaged store was quarantined, Echo registered a second installation in
 * `/ecco/`, because the installation's URI lived only in the database. The cloud must show one
 * Echo per PC, whatever happened to the data folder.
 */

async function registered(agent: Agent): Promise<string> {
  await waitFor(() => agent.status().cloud.registered, 15_000, 'the registration');
  const uri = agent.status().cloud.eccoUri;
  assert.ok(uri);
  return uri;
}

function eccoUris(emulator: CloudEmulator): string[] {
  return [...emulator.state.eccos.values()].map((ecco) => ecco.uri);
}

function identityFile(dir: string): { ecco_uri: string; source: string; workstation_name: string } {
  return JSON.parse(readFileSync(join(dir, INSTALLATION_FILE), 'utf8'));
}

/** Runs an agent until it is registered, then stops it; returns its installation's URI. */
async function registerOnce(t: Parameters<typeof startAgent>[0], config: ResolvedConfig): Promise<string> {
  const agent = await startAgent(t, config);
  const uri = await registered(agent);
  await agent.stop();
  return uri;
}

test('a quarantined store keeps its installation: installation.json names it, one Echo in the cloud before and after', async (t) => {
  const { emulator, modelers } = await startEmulator(t);
  const dir = tempDir(t);
  const base = testConfig(dir, emulator.url, modelers);
  // Without the lookup by name: the file alone must be enough.
  const config = { ...base, cloud: { ...base.cloud, adopt_installation_by_name: false } };
  const before = await registerOnce(t, config);
  assert.deepEqual(eccoUris(emulator), [before]);
  assert.equal(identityFile(dir).ecco_uri, before);

  // A header overwritten: the whole file is unreadable, so the salvage finds no row at all.
  const fd = openSync(join(dir, 'echo.db'), 'r+');
  writeSync(fd, Buffer.alloc(100, 0xa5), 0, 100, 0);
  closeSync(fd);

  const agent = await startAgent(t, config);
  assert.equal(agent.store.quarantineReports.length, 1, 'the store was quarantined');
  assert.equal(agent.store.quarantineReports[0]?.salvagedRows.kv ?? 0, 0, 'the database lost the URI');
  assert.equal(await registered(agent), before, 'the same installation');
  assert.deepEqual(eccoUris(emulator), [before], 'still one installation in the cloud');
});

test('the database and installation.json both gone: Echo adopts its installation by workstation name', async (t) => {
  const { emulator, modelers } = await startEmulator(t);
  const dir = tempDir(t);
  const config = testConfig(dir, emulator.url, modelers);
  const before = await registerOnce(t, config);
  const [ecco] = emulator.state.eccos.values();
  assert.equal(ecco?.workstation_name, 'test-station', 'sent with POST /ecco/ and kept by the cloud');

  for (const name of ['echo.db', 'echo.db-wal', 'echo.db-shm', INSTALLATION_FILE])
    rmSync(join(dir, name), { force: true });

  const agent = await startAgent(t, config);
  assert.equal(await registered(agent), before, 'the same installation');
  assert.deepEqual(eccoUris(emulator), [before], 'still one installation in the cloud');
  assert.equal(identityFile(dir).source, 'adopted');
  assert.equal(identityFile(dir).ecco_uri, before);
});

test('a cloud that drops workstation_name: the lost installation is not found, and one warning names the setting', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['printer-1'], { keepsWorkstationName: false });
  const dir = tempDir(t);
  const config = testConfig(dir, emulator.url, modelers);
  const before = await registerOnce(t, config);
  const [ecco] = emulator.state.eccos.values();
  assert.equal(ecco?.workstation_name, undefined, 'sent with POST /ecco/, not kept by this cloud');

  for (const name of ['echo.db', 'echo.db-wal', 'echo.db-shm', INSTALLATION_FILE])
    rmSync(join(dir, name), { force: true });

  const agent = await startAgent(t, config);
  const uri = await registered(agent);
  assert.notEqual(uri, before, 'nothing to adopt: a new installation');
  assert.equal(emulator.state.eccos.size, 2);
  await waitFor(
    () => agent.logs({ limit: 10, search: 'none with a workstation_name' }).length > 0,
    5000,
    'the warning',
  );
  const warnings = agent.logs({ limit: 10, search: 'none with a workstation_name' });
  assert.equal(warnings.length, 1, 'said once');
  assert.equal(warnings[0]?.level, 'WARN');
  assert.match(warnings[0]?.message ?? '', /cloud\.adopt_installation_by_name/);
  assert.deepEqual(
    agent.logs({ limit: 10, search: 'no installation of this workstation' }),
    [],
    'not "none" at INFO',
  );
});

test('two installations in the bureau with this workstation name: neither is taken, a new one is registered, and a warning names both', async (t) => {
  const { emulator, modelers } = await startEmulator(t);
  const dir = tempDir(t);
  const twins: string[] = [];
  for (let i = 0; i < 2; i++) {
    const reply = await fetch(`${emulator.url}ecco/`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SEED_TOKEN.uuid}:${SEED_TOKEN.secret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        bureau: emulator.state.bureauUri,
        version: '0.9.0',
        os_name: 'Windows',
        os_version: '10',
        os_architecture: 'x86_64',
        health: 'unknown',
        health_check_on: new Date().toISOString(),
        workstation_name: 'test-station',
      }),
    });
    assert.equal(reply.status, 201);
    twins.push(reply.headers.get('location') ?? '');
  }

  const agent = await startAgent(t, testConfig(dir, emulator.url, modelers));
  const uri = await registered(agent);
  assert.ok(!twins.includes(uri), 'a new installation');
  assert.equal(emulator.state.eccos.size, 3);
  assert.equal(identityFile(dir).source, 'registered');
  const [warning] = agent.logs({ limit: 10, search: 'have this workstation name' });
  assert.ok(warning, 'a warning says why');
  assert.equal(warning.level, 'WARN');
  assert.deepEqual(warning.context?.installations, twins);
  assert.ok(existsSync(join(dir, INSTALLATION_FILE)));
});

test('forgotten where the URI is: the installation deleted in the cloud (404), and another cloud URL', async (t) => {
  const first = await startEmulator(t);
  const dir = tempDir(t);
  const base = testConfig(dir, first.emulator.url, first.modelers);
  const config = { ...base, intervals: { ...base.intervals, health: 1 } };
  const agent = await startAgent(t, config);
  const deleted = await registered(agent);
  first.emulator.state.eccos.clear(); // an administrator deletes the installation in the cloud
  await waitFor(
    () => first.emulator.state.eccos.size === 1 && agent.status().cloud.eccoUri !== deleted,
    15_000,
    'registered anew after the 404',
  );
  const renewed = await registered(agent);
  assert.equal(identityFile(dir).ecco_uri, renewed, 'the file follows');
  await agent.stop();

  // The same folder pointed at another cloud: the old cloud's installation is not carried there.
  const second = await startEmulator(t);
  const moved = await startAgent(t, testConfig(dir, second.emulator.url, second.modelers));
  const there = await registered(moved);
  assert.ok(there.startsWith(second.emulator.url), there);
  assert.deepEqual(eccoUris(second.emulator), [there]);
  assert.equal(identityFile(dir).ecco_uri, there);
  assert.equal(first.emulator.state.eccos.size, 1, 'nothing more on the first cloud');
});
