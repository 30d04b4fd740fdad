/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig } from '../helpers/harness.ts';
import { launchChromium, screenshot } from './browser.ts';

async function fleet(t: import('node:test').TestContext, options: { damagedStore?: boolean } = {}) {
  const sims = await Promise.all(
    ['um-s5-a', 'um-s5-b'].map((name) => UltimakerSimulator.start({ name, speed: 20 })),
  );
  t.after(() => Promise.all(sims.map((s) => s.close())));
  const { emulator, modelers } = await startEmulator(t, ['um-s5-a', 'um-s5-b']);
  const base = testConfig(join(tempDir(t), 'data'), emulator.url, modelers);
  const config = {
    ...base,
    machines: base.machines.map((m, i) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sims[i]!.host, port: sims[i]!.port },
      poll_interval: 0.2,
      timeout: 2,
    })),
  };
  if (options.damagedStore) {
    // Not a database at all: the store quarantines it at start and raises an alert.
    mkdirSync(config.data_dir, { recursive: true });
    writeFileSync(join(config.data_dir, 'echo.db'), 'x'.repeat(8192));
  }
  await startAgentWithCollectors(t, config);
  const api = JSON.parse(readFileSync(join(config.data_dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  return { sims, api };
}

test('dashboard in Chromium: tiles go live over the event stream, a job progresses, filter and search', async (t) => {
  const { sims, api } = await fleet(t);
  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  const response = await page.goto(`${api.url}/ui/#token=${api.token}`);
  assert.match(response!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');

  await page.locator('.tile[data-state="idle"]').nth(1).waitFor({ timeout: 15_000 });
  sims[1]!.startJob('bracket-v3', 600);
  const running = page.locator('.tile[data-machine="um-s5-b"][data-state="printing"]');
  await running.waitFor({ timeout: 10_000 });
  const first = Number(await running.getByRole('progressbar').getAttribute('aria-valuenow'));
  await page.waitForFunction(
    (start) =>
      Number(
        document
          .querySelector('.tile[data-machine="um-s5-b"] [role=progressbar]')
          ?.getAttribute('aria-valuenow'),
      ) > start,
    first,
    { timeout: 15_000 },
  );
  assert.match((await running.locator('.job').textContent()) ?? '', /bracket-v3 · \d+ % · .* left/);
  await screenshot(page, 'ui-dashboard');
  const rootFont = () =>
    page.evaluate(() => Number.parseFloat(getComputedStyle(document.documentElement).fontSize));
  assert.ok((await rootFont()) >= 14, 'readable at 1280×720');
  // On a 4K screen the type grows with the viewport (no OS scaling assumed).
  await page.setViewportSize({ width: 3840, height: 2160 });
  assert.ok((await rootFont()) >= 22, `readable at 3840×2160 (${await rootFont()} px)`);
  await screenshot(page, 'ui-dashboard-4k');
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByRole('button', { name: 'Running' }).click();
  assert.equal(await page.locator('.tile').count(), 1);
  await page.getByRole('button', { name: 'All' }).click();
  await page.getByLabel('Search machines').fill('s5-a');
  await page.waitForFunction(() => document.querySelectorAll('.tile').length === 1);
  assert.equal(await page.locator('.tile h3').textContent(), 'um-s5-a');
  await page.getByLabel('Search machines').fill('nothing like this');
  await page.getByText('No machine matches.').waitFor();
  assert.deepEqual(problems, [], 'no errors in the page (CSP violations included)');
});

test('every screen: no serious accessibility violations (axe-core); a wrong token is said in words', async (t) => {
  const { api } = await fleet(t, { damagedStore: true });
  const browser = await launchChromium(t);
  // axe is injected as a script, which the UI's CSP rightly forbids: this context bypasses it.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await page.goto(`${api.url}/ui/#token=${api.token}`);
  await page.locator('.tile').nth(1).waitFor({ timeout: 15_000 });
  const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: axe });
  for (const [hash, ready] of [
    ['#/', '.tile'],
    ['#/add', '#collector'],
    ['#/sync', '#sync-title'],
    ['#/account', '#account-title'],
    ['#/logs', '#logs-title'],
    ['#/machine/um-s5-a', '#detail-title'],
    ['#/settings', '#settings-title'],
  ] as const) {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    await page.locator(ready).first().waitFor({ timeout: 10_000 });
    if (hash === '#/add') await page.getByLabel('Machine type').selectOption('bambu');
    if (hash === '#/sync') {
      // Live figures: the send rate, and the quarantine of the damaged store in words.
      await page.getByRole('heading', { name: 'Quarantines' }).waitFor({ timeout: 5000 });
      await page.getByText(/database was damaged/).waitFor();
      await page.getByRole('table', { name: 'Sent to the cloud (last minute)' }).waitFor();
      await screenshot(page, 'ui-sync-quarantine');
      // Dismissed: gone from the screen with the next status event (and from `status`).
      await page.getByRole('button', { name: 'Dismiss' }).click();
      await page.getByText('Alert dismissed.').waitFor();
      await page.getByRole('heading', { name: 'Quarantines' }).waitFor({ state: 'detached' });
    }
    const result = (await page.evaluate(() =>
      (window as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
    )) as { violations: Array<{ id: string; impact: string; help: string }> };
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      serious.map((v) => `${hash} ${v.id}: ${v.help}`),
      [],
    );
  }

  const stranger = await browser.newPage();
  await stranger.goto(`${api.url}/ui/#token=not-the-token`);
  await stranger.getByText('The access token was refused').waitFor({ timeout: 10_000 });
  await screenshot(stranger, 'ui-token-refused');
});

test('the keyboard alone: filters, a machine, a setting changed and saved, with a visible focus', async (t) => {
  const { api } = await fleet(t);
  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(`${api.url}/ui/#token=${api.token}`);
  await page.locator('.tile').nth(1).waitFor({ timeout: 15_000 });
  /** Presses Tab until the focused element is the one wanted (at most 60 times). */
  const tabTo = async (wanted: { tag: string; text?: string; id?: string }, what: string) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const active = document.activeElement as HTMLElement;
        return {
          tag: active.tagName,
          text: active.textContent?.trim() ?? '',
          id: active.id,
          outline: getComputedStyle(active).outlineStyle,
        };
      });
      if (
        focused.tag === wanted.tag &&
        (wanted.text === undefined || focused.text === wanted.text) &&
        (wanted.id === undefined || focused.id === wanted.id)
      ) {
        assert.notEqual(focused.outline, 'none', `${what} shows where the focus is`);
        return;
      }
    }
    assert.fail(`Tab never reached ${what}`);
  };

  await tabTo({ tag: 'BUTTON', text: 'Idle' }, 'the Idle filter');
  await page.keyboard.press('Enter');
  assert.equal(await page.getByRole('button', { name: 'Idle' }).getAttribute('aria-pressed'), 'true');
  await tabTo({ tag: 'A', text: 'um-s5-b' }, 'the tile of um-s5-b');
  await page.keyboard.press('Enter');
  await page.locator('#detail-title', { hasText: 'um-s5-b' }).waitFor();

  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await tabTo({ tag: 'A', text: 'Settings' }, 'the Settings link');
  await page.keyboard.press('Enter');
  await page.locator('#settings-title').waitFor();
  await tabTo({ tag: 'INPUT', id: 'f-intervals-health' }, 'the health interval');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('45');
  await tabTo({ tag: 'BUTTON', text: 'Save settings' }, 'Save settings');
  await page.keyboard.press('Enter');
  // This agent runs without a host that restarts it: the change waits for the next start.
  await page.getByText('Saved. They apply when Echo starts next.').waitFor();
});
