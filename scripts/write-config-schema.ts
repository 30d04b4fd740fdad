// Writes docs/config.schema.json and the reference table in docs/configuration.md from the zod
// schema (npm run schema). A test fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchema, configReferenceTable } from '../src/shared/config/json-schema.ts';

const docs = new URL('../docs/', import.meta.url);
writeFileSync(new URL('config.schema.json', docs), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
const page = new URL('configuration.md', docs);
const text = readFileSync(page, 'utf8');
const start = '<!-- reference:start -->';
const end = '<!-- reference:end -->';
writeFileSync(
  page,
  `${text.slice(0, text.indexOf(start) + start.length)}\n${configReferenceTable()}\n${text.slice(text.indexOf(end))}`,
);
console.log('wrote docs/config.schema.json and the table in docs/configuration.md');
