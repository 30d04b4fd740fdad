import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configJsonSchema } from './json-schema.ts';

test('docs/config.schema.json is generated from the schema and up to date (npm run schema)', () => {
  const published = JSON.parse(
    readFileSync(new URL('../../../docs/config.schema.json', import.meta.url), 'utf8'),
  );
  assert.deepEqual(published, JSON.parse(JSON.stringify(configJsonSchema())));
  assert.deepEqual((published as { required: string[] }).required, ['cloud']);
});

test('the reference table in docs/configuration.md is up to date (npm run schema)', async () => {
  const { configReferenceTable } = await import('./json-schema.ts');
  const page = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.ok(page.includes(configReferenceTable()), 'run npm run schema');
});
