/**
 * Takes the README's screenshots from the demo as `npm start` runs it: starts `echo-agent demo`
 * on a fresh data folder, waits for every simulated machine to connect and for the demo's remote
 * start_job to wait for confirmation, then photographs the dashboard and that machine's screen
 * in Debian's Chromium. Run it by hand after a visible UI change:
 *
 *   node --import tsx scripts/readme-screenshots.ts
 *
 * Not part of `npm test`: the pictures are documentation, and what they show is tested in
 * test/ui/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createApiClient } from '../src/shared/api/client.ts';

const ROOT = join(import.meta.dirname, '..');
const IMAGES = join(ROOT, 'docs', 'images');
const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1440, height: 900 };
/** How long the demo may take to bring every machine up and send its start_job. */
const READY_WITHIN_MS = 180_000;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'echo-screenshots-'));
  const demo = spawn(
    process.execPath,
    ['bin/echo-agent.js', 'demo', '--data-dir', dataDir, '--cloud-port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const uiUrl = await demoUiUrl(demo);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: VIEWPORT });
      await page.goto(uiUrl);
      const cell = await waitForDemo(page, uiUrl);
      await page.goto(new URL('#/', uiUrl).toString());
      await page.waitForTimeout(2_000); // gauges and sparklines fill from the status stream
      await page.screenshot({ path: join(IMAGES, 'ui-demo.png') });
      await page.goto(new URL(`#/machine/${encodeURIComponent(cell)}`, uiUrl).toString());
      await page
        .getByRole('button', { name: /confirm/i })
        .first()
        .waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1_000);
      // The whole screen: the command waiting for confirmation sits below the gauges.
      await page.screenshot({ path: join(IMAGES, 'ui-machine-detail.png'), fullPage: true });
      process.stdout.write(`screenshots written to ${IMAGES}\n`);
    } finally {
      await browser.close();
    }
  } finally {
    // A demo that already ended (it failed to start) sends no second exit: do not wait for one.
    if (demo.exitCode === null && demo.signalCode === null) {
      const exited = new Promise((resolve) => demo.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The `operator UI` line the demo prints (the token rides in the fragment). */
function demoUiUrl(demo: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the demo printed no UI address within 60 s:\n${out}`)),
      60_000,
    );
    demo.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /operator UI\s+(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    demo.once('exit', (code) =>
      reject(new Error(`the demo ended (${code}) before it printed its UI address`)),
    );
  });
}

/** Waits until every machine is connected and a start_job waits; answers that machine's name. */
async function waitForDemo(page: Page, uiUrl: string): Promise<string> {
  const url = new URL(uiUrl);
  const token = decodeURIComponent(/token=([^&]+)/.exec(url.hash)?.[1] ?? '');
  const api = createApiClient({ baseUrl: url.origin, token });
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    const status = await api.call('status');
    const connected = status.machines.every((m) => m.live?.connected === true);
    const cell = status.commands?.awaiting[0]?.machine;
    if (connected && cell) return cell;
    if (Date.now() > deadline) {
      const down = status.machines.filter((m) => m.live?.connected !== true).map((m) => m.name);
      throw new Error(
        `the demo was not ready in ${READY_WITHIN_MS / 1000} s (not connected: ${down.join(', ') || 'none'}; start_job waiting: ${cell ?? 'none'})`,
      );
    }
    await page.waitForTimeout(1_000);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
