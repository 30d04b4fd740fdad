import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UiAsset {
  body: Buffer;
  type: string;
}

/** The UI's files and their types; `npm run build` puts each in dist/renderer/. */
export const UI_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'styles.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'uplot.css': 'text/css; charset=utf-8',
};

/**
 * The operator UI's files. A built agent serves `dist/renderer/` (made by `npm run build`); a
 * checkout running from source bundles `src/renderer/app.ts` once at start with esbuild (a
 * development dependency). Without either, the API runs and the UI answers with the reason.
 */
export function loadUiAssets(): Map<string, UiAsset> | string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Bundled, this module is dist/echo-agent.mjs and the UI sits in dist/renderer/; from source,
  // the UI is built from src/renderer/ (never a stale dist/ of the same checkout).
  const built = join(here, 'renderer');
  const source = join(here, '..', '..', 'renderer');
  const assets = new Map<string, UiAsset>();
  if (existsSync(join(built, 'app.js'))) {
    for (const name of Object.keys(UI_FILES)) {
      assets.set(name, { body: readFileSync(join(built, name)), type: UI_FILES[name]! });
    }
    return assets;
  }
  if (!existsSync(join(source, 'app.ts'))) return 'the operator UI is not part of this build';
  try {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const result = esbuild.buildSync({
      entryPoints: [join(source, 'app.ts')],
      bundle: true,
      format: 'esm',
      target: 'chrome120',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    assets.set('app.js', { body: Buffer.from(result.outputFiles[0]!.contents), type: UI_FILES['app.js']! });
  } catch (error) {
    return `the operator UI could not be built from source (${error instanceof Error ? error.message : String(error)})`;
  }
  for (const name of ['index.html', 'styles.css']) {
    assets.set(name, { body: readFileSync(join(source, name)), type: UI_FILES[name]! });
  }
  const require = createRequire(import.meta.url);
  assets.set('uplot.css', {
    body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')),
    type: UI_FILES['uplot.css']!,
  });
  return assets;
}

/**
 * The UI's security headers: only this origin's own script, style and API; no inline code, no
 * framing, no referrer. The same policy the Electron window enforces.
 */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
