// npm run build: bundles the CLI (and with it the agent core) into dist/echo-agent.mjs, plain
// JavaScript that runs on node without tsx. Native modules stay external. The Electron package and
// service installs ship this bundle; bench/ uses it to measure what ships.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

const entries: Record<string, string> = {
  'echo-agent': 'src/cli/entry.ts',
  ...(process.argv.includes('--bench')
    ? { 'bench-drain-agent': 'bench/drain-agent.ts', 'bench-ready-agent': 'bench/ready-agent.ts' }
    : {}),
};
const coreOut = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';
// Chunks of an earlier build (their names carry a content hash) would ship beside the new ones.
if (existsSync(coreOut)) {
  for (const name of readdirSync(coreOut)) {
    if (/^echo-.+-[A-Z0-9]{8}\.mjs(\.map)?$/.test(name)) rmSync(join(coreOut, name));
  }
}
await build({
  entryPoints: entries,
  outdir: coreOut,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Code behind a dynamic import (each CLI command, each vendor's collector) goes to its own chunk
  // beside the entry, loaded when used: an agent loads the protocol libraries its machines need.
  splitting: true,
  chunkNames: 'echo-[name]-[hash]',
  sourcemap: true,
  // Native modules (better-sqlite3, serialport's bindings) and node-opcua (it reads its nodeset
  // files from its own folder at run time) stay external: they ship as node_modules beside the
  // bundle, which electron-builder and the service install keep.
  external: ['better-sqlite3', 'serialport', '@serialport/*', 'node-opcua-*', '@ster5/*'],
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  define: { __ECHO_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
console.log(`built ${Object.keys(entries).join(', ')}`);

// The operator UI, served by the local API from dist/renderer/ (see src/core/api/ui-assets.ts).
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';
// --renderer-metafile=<file>: where the UI bundle's esbuild metafile goes (its inputs, for
// test/integration/bundle.test.ts; the UI ships no source map). Off by default: nothing extra ships.
const rendererMeta = process.argv
  .find((a) => a.startsWith('--renderer-metafile='))
  ?.slice('--renderer-metafile='.length);
const renderer = await build({
  metafile: rendererMeta !== undefined,
  entryPoints: ['src/renderer/app.ts'],
  outfile: `${outdir}/renderer/app.js`,
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'chrome120',
  logLevel: 'warning',
});
if (rendererMeta !== undefined) writeFileSync(rendererMeta, JSON.stringify(renderer.metafile));
for (const file of ['index.html', 'styles.css'])
  copyFileSync(`src/renderer/${file}`, `${outdir}/renderer/${file}`);
copyFileSync('node_modules/uplot/dist/uPlot.min.css', `${outdir}/renderer/uplot.css`);
console.log('built renderer');

// The desktop shell (npm run build:desktop): Electron's main process as ESM, the preload as
// CommonJS (sandboxed preloads cannot be ES modules); Electron itself stays external.
if (process.argv.includes('--desktop')) {
  await build({
    entryPoints: ['src/main/main.ts'],
    outfile: `${outdir}/main.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['electron'],
    logLevel: 'warning',
  });
  await build({
    entryPoints: ['src/preload/preload.ts'],
    outfile: `${outdir}/preload.cjs`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    logLevel: 'warning',
  });
  console.log('built the desktop shell (main.mjs, preload.cjs)');
}
