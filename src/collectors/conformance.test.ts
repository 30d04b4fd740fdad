import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { machineSchema } from '../shared/config/schema.ts';
import { CAPTURE_TYPE_NAMES } from '../shared/model/capture-types.ts';
import { allCollectors } from './all.ts';
import { demoFileOf, loadDemos } from './demo-fleet.ts';

const here = import.meta.dirname;
const vendorFolders = readdirSync(here).filter(
  (name) => name !== 'sdk' && statSync(join(here, name)).isDirectory(),
);

test('every collector folder is registered in all.ts, and every registered collector has a folder', () => {
  const ids = allCollectors()
    .list()
    .map((d) => d.id)
    .sort();
  assert.deepEqual(ids, [...vendorFolders].sort());
});

for (const folder of vendorFolders) {
  test(`collector "${folder}" is complete: README, sample config, simulator, tests, valid metadata`, () => {
    const dir = join(here, folder);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const section of [
      '| protocol |',
      '| capture type',
      '## What is read',
      '## Mapping',
      '## Sources',
      '## Simulator',
    ]) {
      assert.ok(readme.includes(section), `README.md has "${section}"`);
    }
    assert.ok(existsSync(join(dir, 'simulator')), 'a simulator/ folder');
    assert.ok(
      readdirSync(dir).some((f) => f.endsWith('.test.ts')),
      'tests next to the code',
    );
    const definition = allCollectors().get(folder)!;
    for (const type of definition.captureTypes)
      assert.ok((CAPTURE_TYPE_NAMES as readonly string[]).includes(type), type);
    const sample = JSON.parse(readFileSync(join(dir, 'sample.config.json'), 'utf8'));
    const machine = machineSchema.parse(sample);
    assert.equal(machine.collector, folder);
    const form = z.toJSONSchema(definition.connectionSchema, { io: 'input', unrepresentable: 'any' });
    assert.equal(form.type, 'object', 'the connection schema converts to a JSON Schema form');
    const parsed = definition.connectionSchema.safeParse(machine.connection);
    assert.ok(parsed.success, `sample connection is valid: ${parsed.success ? '' : parsed.error.message}`);
  });
}

test('every simulator/demo.ts follows the demo convention: startDemo(), in the folder named by the id', async () => {
  const withDemo = vendorFolders.filter((folder) => existsSync(join(here, folder, 'simulator', 'demo.ts')));
  for (const folder of withDemo) {
    assert.equal(
      allCollectors().get(folder)?.id,
      folder,
      `${folder}/ holds the collector with id "${folder}"`,
    );
    assert.equal(fileURLToPath(demoFileOf(folder)), join(here, folder, 'simulator', 'demo.ts'));
    const source = readFileSync(join(here, folder, 'simulator', 'demo.ts'), 'utf8');
    assert.ok(
      source.includes(`collector: '${folder}'`),
      `${folder}'s demo machines name collector "${folder}"`,
    );
  }
  // The demo fleet finds exactly these, in registry order, and each exports startDemo.
  const registry = allCollectors();
  const demos = await loadDemos();
  assert.deepEqual(
    demos.map((d) => d.id),
    registry
      .list()
      .map((d) => d.id)
      .filter((id) => withDemo.includes(id)),
  );
  for (const { id, demo } of demos) assert.equal(typeof demo.startDemo, 'function', id);
  // `echo-agent demo` shows at least one machine per transport.
  const protocols = (ids: string[]) => [...new Set(ids.map((id) => registry.get(id)!.protocol))].sort();
  assert.deepEqual(
    protocols(demos.map((d) => d.id)),
    protocols(registry.list().map((d) => d.id)),
    'a demo for every protocol',
  );
});

test('the registry loads no collector code: a vendor its machines do not use costs no memory', () => {
  // In a fresh process: the protocol libraries are CommonJS, listed in require.cache once loaded.
  const script = `
    import { createRequire } from 'node:module';
    const loaded = () => Object.keys(createRequire(import.meta.url).cache)
      .map((p) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(p)?.[1]).filter(Boolean);
    const heavy = (names) => [...new Set(names)].filter((n) => /^(node-opcua|mqtt|serialport|@serialport|aedes)/.test(n)).sort();
    const { allCollectors } = await import('./src/collectors/all.ts');
    const registry = allCollectors();
    const atStart = heavy(loaded());
    await registry.get('ultimaker').load();
    const withUltimaker = heavy(loaded());
    await registry.get('slm').load();
    const withOpcua = heavy(loaded()).some((n) => n.startsWith('node-opcua'));
    process.stdout.write(JSON.stringify({ atStart, withUltimaker, withOpcua }));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: join(here, '../..'),
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { atStart: [], withUltimaker: [], withOpcua: true });
});
