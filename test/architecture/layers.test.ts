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

test('the import scan sees static, re-exported, side-effect, dynamic and type imports, not comments', () => {
  const text = [
    "import a from './a.ts';",
    'import type { B } from "../b.ts";',
    "export { c } from './c.ts';",
    "import './d.ts';",
    "const e = await import('./e.ts');",
    'const f = await import(path);',
    "// loads it with await import('./commented.ts')",
    'const s = "import x from \'./quoted.ts\'";',
    "let g: import('./g.ts').G;",
    "export type { H } from './h.ts';",
  ].join('\n');
  assert.deepEqual(importsOf(text), ['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts', './g.ts', './h.ts']);
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

test('a planted import cycle between files anywhere in src/ is reported, type-only imports too', () => {
  const planted = new Map([
    // Three files of one vendor: each may import the next (same folder), and the third closes a ring.
    ['src/collectors/haas/a.ts', "import { b } from './b.ts';"],
    ['src/collectors/haas/b.ts', "import { c } from './c.ts';"],
    ['src/collectors/haas/c.ts', "import type { A } from './a.ts';"],
    ['src/collectors/haas/d.ts', "import { a } from './a.ts';"],
    ['src/shared/self.ts', "export { x } from './self.ts';"],
  ]);
  const problems = checkLayers(planted);
  assert.deepEqual(problems.filter((p) => p.includes('cycle')).sort(), [
    'files import each other in a cycle: src/collectors/haas/a.ts → src/collectors/haas/b.ts → src/collectors/haas/c.ts → src/collectors/haas/a.ts',
    'files import each other in a cycle: src/shared/self.ts → src/shared/self.ts',
  ]);
  assert.equal(problems.length, 2, problems.join('\n'));
});

test('a planted import from outside src/ (test/, bench/, an absolute path) is reported', () => {
  const planted = new Map([
    ['src/core/store/helper-user.ts', "import { tempDir } from '../../../test/helpers/temp-dir.ts';"],
    ['src/cli/bench-user.ts', "const b = await import('../../bench/run.ts');"],
    ['src/shared/abs.ts', "import { z } from '/opt/elsewhere/z.ts';"],
    ['src/renderer/ok.ts', "import { y } from '../shared/abs.ts';\nimport { x } from 'eventsource-parser';"],
  ]);
  assert.deepEqual(checkLayers(planted).sort(), [
    'src/cli/bench-user.ts imports bench/run.ts: outside src/ (product code imports src/, packages, node: built-ins)',
    'src/core/store/helper-user.ts imports test/helpers/temp-dir.ts: outside src/ (product code imports src/, packages, node: built-ins)',
    'src/shared/abs.ts imports /opt/elsewhere/z.ts: outside src/ (product code imports src/, packages, node: built-ins)',
  ]);
});

test('a planted Node built-in in code the UI runs (shared, renderer) is reported; elsewhere it is fine', () => {
  const planted = new Map([
    ['src/shared/fs-user.ts', "import { readFile } from 'node:fs';\nimport { z } from 'zod';"],
    ['src/renderer/path-user.ts', "import { join } from 'path';"],
    ['src/core/store/fine.ts', "import { readFile } from 'node:fs';"],
  ]);
  assert.deepEqual(checkLayers(planted).sort(), [
    "src/renderer/path-user.ts imports path: renderer runs in the UI's page too (no Node built-in)",
    "src/shared/fs-user.ts imports node:fs: shared runs in the UI's page too (no Node built-in)",
  ]);
});
