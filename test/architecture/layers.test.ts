import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { checkLayers, importsOf } from './layers.ts';

const ROOT = join(import.meta.dirname, '../..');

function productFiles(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) productFiles(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      out.set(relative(ROOT, path).split('\\').join('/'), readFileSync(path, 'utf8'));
  }
  return out;
}

test('src/ keeps the layer rules of docs/architecture.md', () => {
  const files = productFiles(join(ROOT, 'src'));
  assert.ok(files.size > 100, 'the scan found the sources');
  assert.deepEqual(checkLayers(files), []);
});

test('the import scan sees static, re-exported, side-effect and dynamic imports', () => {
  const text = `import a from './a.ts';\nimport type { B } from "../b.ts";\nexport { c } from './c.ts';\nimport './d.ts';\nconst e = await import('./e.ts');\nconst f = await import(path);`;
  assert.deepEqual(importsOf(text), ['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts']);
});

test('a planted violation of each kind is reported', () => {
  const planted = new Map([
    ['src/core/config/bad.ts', "import { x } from '../api/local-api.ts';\nimport { app } from 'electron';"],
    ['src/core/sync/a.ts', "import { y } from '../collection/b.ts';"],
    ['src/core/collection/b.ts', "import { z } from '../sync/a.ts';"],
    ['src/core/store/vendor.ts', "import { v } from '../../collectors/haas/collector.ts';"],
    ['src/collectors/haas/x.ts', "import { w } from '../bambu/map.ts';\nimport { s } from './own.ts';"],
    ['src/renderer/views/v.ts', "import type { T } from '../../core/api/agent-port.ts';"],
    [
      'src/main/m.ts',
      "import { S } from '../core/secrets/secret-store.ts';\nimport { I } from '../core/index.ts';",
    ],
    ['src/core/agent-x.ts', "const e = await import('../cloud-emulator/server.ts');"],
  ]);
  const problems = checkLayers(planted).join('\n');
  assert.match(problems, /config\/bad\.ts imports src\/core\/api\/local-api\.ts: up a floor/);
  assert.match(problems, /config\/bad\.ts imports electron/);
  assert.match(problems, /cycle: (collection\/ → sync\/ → collection\/|sync\/ → collection\/ → sync\/)/);
  assert.match(problems, /store\/vendor\.ts imports src\/collectors\/haas\/collector\.ts/);
  assert.match(problems, /haas\/x\.ts imports src\/collectors\/bambu\/map\.ts/);
  assert.doesNotMatch(problems, /own\.ts/);
  assert.match(problems, /renderer\/views\/v\.ts imports src\/core/);
  assert.match(problems, /main\/m\.ts imports src\/core\/secrets/);
  assert.doesNotMatch(problems, /core\/index\.ts/);
  assert.match(problems, /agent-x\.ts imports src\/cloud-emulator\/server\.ts/);
});
