import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { openTestStore } from '../../../test/helpers/store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { InstallationIdentityFile } from './installation-identity.ts';
import { ECCO_URI_KEY, InstallationMemory } from './installation-memory.ts';

const CLOUD = 'https://cloud.example/';
const A = `${CLOUD}ecco/00000000-0000-4000-8000-00000000000a/`;
const B = `${CLOUD}ecco/00000000-0000-4000-8000-00000000000b/`;

function setup(t: TestContext, cloudUrl = CLOUD) {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  const file = new InstallationIdentityFile(dir);
  const lines: Array<{ level: 'info' | 'warn'; message: string }> = [];
  const log =
    (level: 'info' | 'warn') =>
    (_fields: object, message = '') =>
      lines.push({ level, message });
  const memory = () =>
    new InstallationMemory({
      stats: store.stats,
      file,
      cloudUrl,
      workstationName: 'shop-pc-3',
      trusts: (uri) => new URL(uri).origin === new URL(cloudUrl).origin,
      now: () => Date.parse('2025-03-01T08:00:00Z'),
      logger: { info: log('info'), warn: log('warn') },
    });
  return { dir, store, file, lines, memory };
}

test('a registration is kept in both copies, and a 404 forgets both', (t) => {
  const { store, file, memory } = setup(t);
  const installation = memory();
  assert.equal(installation.recall(), undefined);
  installation.remember(A, 'registered');
  assert.equal(store.stats.getValue(ECCO_URI_KEY), A, 'the store’s key, for older Echos');
  assert.deepEqual(file.read().identity, {
    ecco_uri: A,
    workstation_name: 'shop-pc-3',
    cloud_url: CLOUD,
    registered_at: '2025-03-01T08:00:00.000Z',
    source: 'registered',
  });
  installation.forget();
  assert.equal(installation.recall(), undefined);
  assert.equal(store.stats.getValue(ECCO_URI_KEY), undefined);
  assert.equal(existsSync(file.path), false);
});

test('the file wins when the database has lost the URI (a quarantine), and the database gets it back', (t) => {
  const { store, memory, lines } = setup(t);
  memory().remember(A, 'registered');
  store.stats.setValue(ECCO_URI_KEY, undefined); // what a fresh, salvaged database looks like
  assert.equal(memory().recall(), A);
  assert.equal(store.stats.getValue(ECCO_URI_KEY), A);
  assert.ok(lines.some((l) => l.level === 'info' && /taken from installation.json/.test(l.message)));
});

test('a URI only in the database (an older Echo) is copied to the file; the database wins when they differ', (t) => {
  const { store, file, memory } = setup(t);
  store.stats.setValue(ECCO_URI_KEY, A);
  assert.equal(memory().recall(), A);
  assert.equal(file.read().identity?.ecco_uri, A);
  assert.equal(file.read().identity?.source, 'carried_over');

  store.stats.setValue(ECCO_URI_KEY, B); // the file missed a write (a full disk at the time)
  assert.equal(memory().recall(), B);
  assert.equal(file.read().identity?.ecco_uri, B);
});

test('a file of another cloud, or naming another origin, is not recalled and is removed', (t) => {
  const { store, file, memory, lines } = setup(t);
  memory().remember(A, 'registered');
  const otherStore = openTestStore(tempDir(t));
  t.after(() => otherStore.close());
  const other = new InstallationMemory({
    stats: otherStore.stats,
    file,
    cloudUrl: 'https://cloud.example/v2/',
    workstationName: 'shop-pc-3',
    trusts: () => true,
    now: Date.now,
    logger: { info: (_f: object, m = '') => lines.push({ level: 'info', message: m }), warn: () => {} },
  });
  assert.equal(other.recall(), undefined, 'same origin, another cloud.url');
  assert.equal(existsSync(file.path), false);
  assert.ok(lines.some((l) => /another cloud/.test(l.message)));

  store.stats.setValue(ECCO_URI_KEY, undefined);
  file.write({
    ecco_uri: 'https://elsewhere.example/ecco/1/',
    workstation_name: 'shop-pc-3',
    cloud_url: CLOUD,
    registered_at: '2025-03-01T08:00:00.000Z',
    source: 'registered',
  });
  assert.equal(memory().recall(), undefined, 'a URI on another origin is never recalled');
});

test('a damaged file is ignored with a warning, and the database’s URI rewrites it', (t) => {
  const { store, file, memory, lines } = setup(t);
  writeFileSync(file.path, '{"ecco_uri": ');
  assert.equal(memory().recall(), undefined);
  assert.ok(lines.some((l) => l.level === 'warn' && /installation.json is ignored/.test(l.message)));
  store.stats.setValue(ECCO_URI_KEY, A);
  assert.equal(memory().recall(), A);
  assert.equal(file.read().identity?.ecco_uri, A);
});

test('a file that cannot be written does not stop registration: a warning, and the database keeps the URI', (t) => {
  const { dir, store, lines } = setup(t);
  const notAFolder = join(dir, 'plain-file');
  writeFileSync(notAFolder, 'x');
  const installation = new InstallationMemory({
    stats: store.stats,
    file: new InstallationIdentityFile(notAFolder),
    cloudUrl: CLOUD,
    workstationName: 'shop-pc-3',
    trusts: () => true,
    now: Date.now,
    logger: { info: () => {}, warn: (_f: object, m = '') => lines.push({ level: 'warn', message: m }) },
  });
  installation.remember(A, 'registered');
  assert.equal(installation.recall(), A);
  assert.equal(store.stats.getValue(ECCO_URI_KEY), A);
  assert.ok(lines.some((l) => /installation.json could not be written/.test(l.message)));
});

test('a store that cannot record the URI does not lose it for this run: the file and memory keep it', (t) => {
  const { store, file, memory, lines } = setup(t);
  const installation = memory();
  t.mock.method(store.stats, 'setValue', () => {
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  });
  installation.remember(A, 'registered');
  assert.equal(installation.recall(), A);
  assert.equal(file.read().identity?.ecco_uri, A);
  assert.ok(lines.some((l) => l.level === 'warn' && /store could not record/.test(l.message)));
});
