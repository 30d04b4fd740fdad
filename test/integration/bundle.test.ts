import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { UI_FILES } from '../../src/core/api/ui-assets.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const ROOT = join(import.meta.dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The packages only the simulators and the emulator use: an MQTT broker, an OPC UA server. */
const EMULATOR_PACKAGES = ['aedes', 'node-opcua-server'];

/** What no shipped bundle may be built from, as paths from the repository root. */
const NOT_SHIPPED: readonly (readonly [RegExp, string])[] = [
  [/(^|\/)simulator\//, 'a simulator'],
  [/^src\/cloud-emulator\//, 'the cloud emulator'],
  [/^(test|bench)\//, 'a test or bench helper'],
  [/\.test\.ts$/, 'a test'],
  [new RegExp(`^node_modules/(${EMULATOR_PACKAGES.join('|')})/`), 'an emulator-only package'],
];

/** Every source path the service bundle's chunks were built from, read from their source maps. */
function chunkSources(out: string): Map<string, string[]> {
  const sources = new Map<string, string[]>();
  for (const name of readdirSync(out).filter((n) => n.endsWith('.mjs'))) {
    const map = JSON.parse(readFileSync(join(out, `${name}.map`), 'utf8')) as {
      sources: string[];
      sourceRoot?: string;
    };
    const base = resolve(out, map.sourceRoot ?? '');
    sources.set(
      name,
      map.sources.map((source) => relative(ROOT, resolve(base, source)).split('\\').join('/')),
    );
  }
  return sources;
}

// esbuild writes `import … from "x"`, `import "x"`, `import("x")` and, for bundled CommonJS,
// `__require("x")`; a relative specifier is another chunk.
const RUNTIME_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\b(?:__)?require\s*\(\s*)["']([^"'./\s][^"'\s]*)["']/g;
/** Optional packages a bundled library tries in a try/catch and does without (ws's native helpers). */
const OPTIONAL_AT_RUN_TIME = ['bufferutil', 'utf-8-validate'];

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * What a build carries that it must not: a source from NOT_SHIPPED in a chunk (from its source
 * map) or in the UI (from the renderer's metafile), and a package a chunk loads at run time that
 * is not a dependency (a devDependency is not installed beside the bundle) nor a Node built-in.
 */
function bundleProblems(out: string, rendererMetafile: string): string[] {
  const problems: string[] = [];
  const ui = JSON.parse(readFileSync(rendererMetafile, 'utf8')) as { inputs: Record<string, unknown> };
  const built = [...chunkSources(out), ['renderer/app.js', Object.keys(ui.inputs)] as const];
  for (const [chunk, sources] of built) {
    for (const source of sources) {
      for (const [pattern, what] of NOT_SHIPPED)
        if (pattern.test(source)) problems.push(`${chunk} is built from ${source} (${what})`);
    }
  }
  for (const chunk of readdirSync(out).filter((n) => n.endsWith('.mjs'))) {
    const code = readFileSync(join(out, chunk), 'utf8');
    for (const [, specifier = ''] of code.matchAll(RUNTIME_IMPORT)) {
      // The node: scheme names only built-ins (node:sqlite is one on Node 22, not on Node 20).
      const builtin = specifier.startsWith('node:') || isBuiltin(specifier);
      const name = packageOf(specifier);
      if (!builtin && !(name in PACKAGE.dependencies) && !OPTIONAL_AT_RUN_TIME.includes(name))
        problems.push(`${chunk} loads ${specifier} at run time (not a dependency)`);
    }
  }
  return [...new Set(problems)];
}

test('npm run build makes a bundle that runs on plain node (what services and installers ship)', (t) => {
  const out = tempDir(t);
  const rendererMetafile = join(tempDir(t), 'renderer-meta.json');
  const build = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/build.ts', `--outdir=${out}`, `--renderer-metafile=${rendererMetafile}`],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(build.status, 0, build.stderr);
  // The native module is resolved from a node_modules next to the bundle, as in an install.
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  const run = spawnSync(
    process.execPath,
    [join(out, 'echo-agent.mjs'), 'validate-config', join(ROOT, 'resources/echo.sample.yml')],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^OK/);
  const usage = spawnSync(process.execPath, [join(out, 'echo-agent.mjs'), '--help'], { encoding: 'utf8' });
  assert.match(usage.stdout, /cloud-emulator/);
  // The bundled core serves the UI from renderer/ next to it: every file it serves must be there.
  for (const file of Object.keys(UI_FILES)) {
    assert.ok(existsSync(join(out, 'renderer', file)), `renderer/${file} is missing from the build`);
  }
  // The emulator and the simulators are tools of a checkout (demo, cloud-emulator, tests), never
  // shipped: no chunk is built from their sources or loads their packages, and the commands say
  // what they need. The scan reads real paths: the CLI's entry and a vendor's collector are there.
  const sources = [...chunkSources(out).values()].flat();
  assert.ok(sources.includes('src/cli/entry.ts'), 'the source maps name the sources');
  assert.ok(sources.includes('src/collectors/haas/collector.ts'), 'the source maps name a vendor folder');
  assert.ok(
    sources.some((s) => s.startsWith('node_modules/zod/')),
    'the source maps name bundled packages',
  );
  const uiInputs = Object.keys(JSON.parse(readFileSync(rendererMetafile, 'utf8')).inputs);
  assert.ok(uiInputs.includes('src/renderer/app.ts'), "the renderer's metafile names its sources");
  assert.deepEqual(bundleProblems(out, rendererMetafile), []);
  // The UI's client needs each route's method and path, not its validators: zod (about 450 KB,
  // four fifths of the UI) stays out of the renderer's bundle.
  const ui = readFileSync(join(out, 'renderer', 'app.js'), 'utf8');
  assert.ok(!ui.includes('$ZodType'), 'renderer/app.js carries zod');
  const demo = spawnSync(process.execPath, [join(out, 'echo-agent.mjs'), 'demo'], { encoding: 'utf8' });
  assert.equal(demo.status, 1);
  assert.match(demo.stderr, /demo needs a source checkout/);
});

test('the bundle check reports a planted simulator, emulator, test helper and emulator-only package', (t) => {
  for (const name of EMULATOR_PACKAGES) {
    assert.ok(name in PACKAGE.devDependencies, `${name} is a devDependency`);
    assert.ok(!(name in PACKAGE.dependencies), `${name} is not a dependency`);
  }
  const out = tempDir(t);
  const fromOut = (path: string) => relative(out, join(ROOT, path));
  const sources = [
    'src/cli/entry.ts',
    'src/collectors/haas/simulator/haas-simulator.ts',
    'src/cloud-emulator/server.ts',
    'test/helpers/harness.ts',
    'node_modules/aedes/aedes.js',
  ];
  writeFileSync(
    join(out, 'echo-chunk-PLANTED.mjs'),
    [
      'import { Aedes } from "aedes";',
      'import { readFileSync } from "node:fs";',
      'import "./echo-chunk-OTHER.mjs";',
      'const opcua = __require("node-opcua-server");',
      'const zlib = __require("zlib");',
      'const z = await import("zod");',
    ].join('\n'),
  );
  writeFileSync(join(out, 'echo-chunk-PLANTED.mjs.map'), JSON.stringify({ sources: sources.map(fromOut) }));
  const meta = join(out, 'renderer-meta.json');
  writeFileSync(
    meta,
    JSON.stringify({ inputs: { 'src/renderer/app.ts': {}, 'src/collectors/sdk/simulator/x.ts': {} } }),
  );
  assert.deepEqual(bundleProblems(out, meta), [
    'echo-chunk-PLANTED.mjs is built from src/collectors/haas/simulator/haas-simulator.ts (a simulator)',
    'echo-chunk-PLANTED.mjs is built from src/cloud-emulator/server.ts (the cloud emulator)',
    'echo-chunk-PLANTED.mjs is built from test/helpers/harness.ts (a test or bench helper)',
    'echo-chunk-PLANTED.mjs is built from node_modules/aedes/aedes.js (an emulator-only package)',
    'renderer/app.js is built from src/collectors/sdk/simulator/x.ts (a simulator)',
    'echo-chunk-PLANTED.mjs loads aedes at run time (not a dependency)',
    'echo-chunk-PLANTED.mjs loads node-opcua-server at run time (not a dependency)',
  ]);
});
