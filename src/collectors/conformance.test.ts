import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { machineSchema } from '../shared/config/schema.ts';
import { CAPTURE_TYPE_NAMES } from '../shared/model/capture-types.ts';
import { allCollectors } from './all.ts';

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
