import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UI_FILES } from '../../src/core/api/ui-assets.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const ROOT = join(import.meta.dirname, '../..');

test('npm run build makes a bundle that runs on plain node (what services and installers ship)', (t) => {
  const out = tempDir(t);
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', `--outdir=${out}`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
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
  // shipped: no chunk has their classes, and the commands say what they need.
  for (const name of readdirSync(out).filter((n) => n.endsWith('.mjs'))) {
    const code = readFileSync(join(out, name), 'utf8');
    for (const marker of [
      'class EmulatorState',
      'class UltimakerSimulator',
      'function startDemoFleet(',
      'function startDemo(',
    ])
      assert.ok(!code.includes(marker), `${name} carries ${marker}`);
  }
  // The UI's client needs each route's method and path, not its validators: zod (about 450 KB,
  // four fifths of the UI) stays out of the renderer's bundle.
  const ui = readFileSync(join(out, 'renderer', 'app.js'), 'utf8');
  assert.ok(!ui.includes('$ZodType'), 'renderer/app.js carries zod');
  const demo = spawnSync(process.execPath, [join(out, 'echo-agent.mjs'), 'demo'], { encoding: 'utf8' });
  assert.equal(demo.status, 1);
  assert.match(demo.stderr, /demo needs a source checkout/);
});
