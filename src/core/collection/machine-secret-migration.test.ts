import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Logger } from 'pino';
import {
  startAgentWithCollectors,
  startEmulator,
  tempDir,
  testConfig,
} from '../../../test/helpers/harness.ts';
import { machineSchema } from '../../shared/config/schema.ts';
import { legacyMachineSecretName, machineSecretName } from '../secrets/machine-secret-name.ts';
import { FileSecretStore } from '../secrets/secret-store.ts';
import { migrateMachineSecretNames } from './machine-secret-migration.ts';

const machine = (name: string) =>
  machineSchema.parse({
    name,
    collector: 'ultimaker',
    connection: { host: '127.0.0.1', port: 9 },
    poll_interval: 30,
    credentials: { username: 'echo' },
  });

test('a machine’s secret-store entry is its name exactly: no two names share one', () => {
  const names = [
    'printer 1',
    'printer_1',
    'printer%1',
    'printer%00201',
    'Printer 1',
    'drucker-ä',
    'drucker-a',
  ];
  const entries = names.map(machineSecretName);
  assert.equal(new Set(entries).size, names.length, entries.join(', '));
  assert.equal(machineSecretName('printer 1'), 'machine-printer%00201');
  // A name of letters, digits, ".", "_" and "-" keeps the entry an earlier Echo gave it.
  for (const name of ['um-9', 'eos_m290.2', 'X1C']) {
    assert.equal(machineSecretName(name), legacyMachineSecretName(name));
  }
});

test('"printer 1" and "printer_1" added in the app keep a password each', async (t) => {
  const { emulator } = await startEmulator(t);
  const dir = tempDir(t);
  const agent = await startAgentWithCollectors(t, testConfig(dir, emulator.url, {}));
  await agent.addMachine({ machine: machine('printer 1'), password: 'one' });
  await agent.addMachine({ machine: machine('printer_1'), password: 'two' });
  const passwordOf = (name: string) => {
    const ref = agent.allMachines().find((m) => m.name === name)?.credentials?.password_ref ?? '';
    return agent.secrets.get(ref.replace(/^store:/, ''));
  };
  assert.equal(passwordOf('printer 1'), 'one');
  assert.equal(passwordOf('printer_1'), 'two');
  assert.equal(await agent.removeMachine('printer_1'), true);
  assert.equal(passwordOf('printer 1'), 'one', 'removing one never takes the other’s password');
});

test('a password stored by an earlier Echo under the shared entry moves to the machine’s own', async (t) => {
  const { emulator } = await startEmulator(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'machines.local.json'),
    JSON.stringify([
      { ...machine('printer 1'), credentials: { username: 'echo', password_ref: 'store:machine-printer_1' } },
    ]),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'machine-printer_1': 'old' }), { mode: 0o600 });
  const agent = await startAgentWithCollectors(t, testConfig(dir, emulator.url, {}));

  const migrated = agent.allMachines().find((m) => m.name === 'printer 1');
  assert.equal(migrated?.credentials?.password_ref, 'store:machine-printer%00201');
  assert.equal(agent.secrets.get('machine-printer%00201'), 'old', 'still readable');
  assert.equal(agent.secrets.get('machine-printer_1'), undefined, 'the shared entry is gone');
  assert.match(readFileSync(join(dir, 'machines.local.json'), 'utf8'), /machine-printer%00201/);

  await agent.addMachine({ machine: machine('printer_1'), password: 'new' });
  assert.equal(agent.secrets.get('machine-printer%00201'), 'old', 'the new machine took nothing');
  assert.equal(agent.secrets.get('machine-printer_1'), 'new');
});

test('two machines that shared one old entry ("printer 1", "printer#1") are warned about, even once it is removed', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'machines.local.json');
  const shared = { username: 'echo', password_ref: 'store:machine-printer_1' };
  writeFileSync(
    file,
    JSON.stringify([
      { ...machine('printer 1'), credentials: shared },
      { ...machine('printer#1'), credentials: shared },
    ]),
    { mode: 0o600 },
  );
  const secrets = FileSecretStore.inDataDir(dir);
  secrets.set('machine-printer_1', 'one of them');
  const said: Array<{ level: string; fields: unknown }> = [];
  const logger = {
    info: (fields: unknown) => said.push({ level: 'info', fields }),
    warn: (fields: unknown) => said.push({ level: 'warn', fields }),
  } as unknown as Logger;

  migrateMachineSecretNames(file, secrets, [], logger);
  assert.equal(secrets.get('machine-printer%00201'), 'one of them');
  assert.equal(secrets.get('machine-printer%00231'), 'one of them');
  assert.equal(secrets.get('machine-printer_1'), undefined, 'nothing refers to the old entry any more');
  assert.deepEqual(said, [
    { level: 'warn', fields: { machines: ['printer 1', 'printer#1'], shared_entry: 'machine-printer_1' } },
  ]);
});
