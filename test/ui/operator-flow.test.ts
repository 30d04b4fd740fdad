/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { resolveConfig } from '../../src/core/config/load.ts';
import { SEED_TOKEN, startAgentHost, startEmulator, tempDir } from '../helpers/harness.ts';
import { launchChromium, screenshot } from './browser.ts';

test('operator flow in Chromium: sign in, machines live, add a machine (failing then passing test), a job, retry a dead letter, diagnostics, sign out', async (t) => {
  const first = await UltimakerSimulator.start({ name: 'um-1', speed: 20 });
  const second = await UltimakerSimulator.start({ name: 'um-2', speed: 20 });
  t.after(() => Promise.all([first.close(), second.close()]));
  const { emulator, modelers } = await startEmulator(t, ['um-1', 'um-2']);
  // The cloud refuses Ultimaker captures at first: they are dead-lettered, to be retried later.
  await emulator.setFaults({ reject_capture_types: ['ultimaker.modeler.log'] });
  const dir = tempDir(t);
  const config = resolveConfig(
    {
      workstation_name: 'ui-test',
      data_dir: join(dir, 'data'),
      cloud: { url: emulator.url, request_timeout_ms: 5000 },
      intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 5 },
      sync: { backoff_initial_ms: 200, backoff_max_ms: 2000 },
      log: { level: 'warn' },
      machines: [
        {
          name: 'um-1',
          collector: 'ultimaker',
          connection: { host: first.host, port: first.port },
          modeler: modelers['um-1'],
          poll_interval: 0.2,
        },
      ],
    },
    {},
  );
  const host = await startAgentHost(t, config);
  const api = JSON.parse(readFileSync(join(config.data_dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const browser = await launchChromium(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${api.url}/ui/#token=${api.token}`);

  // Signed out: Echo says what it does meanwhile; sign in with the cloud's user.
  await page.getByText('signed out: collecting').waitFor({ timeout: 15_000 });
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByText('Echo is signed out. It keeps collecting').waitFor();
  await screenshot(page, 'ui-account-signed-out');
  await page.getByLabel('User name').fill('operator');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Sign-in failed').waitFor();
  await page.getByLabel('Password').fill('echo-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in.').waitFor();

  // Machines go live.
  await page.getByRole('link', { name: 'Machines' }).click();
  await page.locator('.tile[data-machine="um-1"][data-state="idle"]').waitFor({ timeout: 15_000 });

  // Add a machine: a wrong port fails the test, the right one passes, then save.
  await page.getByRole('link', { name: 'Add machine' }).click();
  await page.getByLabel('Machine type').selectOption('ultimaker');
  await page.getByLabel('Name (required)').fill('um-2');
  await page.getByLabel('Host (required)').fill('127.0.0.1');
  await page.getByLabel('Port').fill('9');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('Could not connect').waitFor({ timeout: 15_000 });
  await page.getByLabel('Port').fill(String(second.port));
  await page.getByLabel('Poll every (seconds)').fill('1');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page
    .getByText('Connected: Ultimaker')
    .waitFor({ timeout: 15_000 })
    .catch(async (error: Error) => {
      throw new Error(`${error.message}; the page says: ${await page.locator('.notice').allTextContents()}`);
    });
  await screenshot(page, 'ui-add-machine');
  await page.getByRole('button', { name: 'Save machine' }).click();
  await page.getByText('um-2 is added and being collected.').waitFor();

  // A job on the new machine, live on its tile.
  await page.getByRole('link', { name: 'Machines' }).click();
  second.startJob('housing-left', 900);
  const tile = page.locator('.tile[data-machine="um-2"][data-state="printing"]');
  await tile.waitFor({ timeout: 15_000 });
  await page.waitForFunction(
    () =>
      Number(
        document
          .querySelector('.tile[data-machine="um-2"] [role=progressbar]')
          ?.getAttribute('aria-valuenow'),
      ) >= 2,
    undefined,
    { timeout: 20_000 },
  );
  await screenshot(page, 'ui-machines');

  // The machine's own screen: live gauges chart, its captures and where they are in the sync.
  await page.getByRole('link', { name: 'um-2' }).click();
  await page.locator('#detail-title').waitFor();
  await page.locator('.chart canvas').waitFor({ timeout: 10_000 });
  await page.getByRole('heading', { name: 'Recent captures' }).waitFor();
  await page
    .locator('table tbody tr', { hasText: 'ultimaker.modeler.log' })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.locator('table', { hasText: 'housing-left' }).getByText('running').waitFor({ timeout: 10_000 });
  // Its progress in the job history follows the live status.
  const progressCell = page.locator('table', { hasText: 'housing-left' }).locator('tbody tr td').nth(4);
  const shown = Number.parseInt((await progressCell.textContent()) ?? '0', 10);
  await page.waitForFunction(
    (before) =>
      Array.from(document.querySelectorAll('table'))
        .filter((t) => t.textContent?.includes('housing-left'))
        .some((t) => Number.parseInt(t.tBodies[0]?.rows[0]?.cells[4]?.textContent ?? '0', 10) > before),
    shown,
    { timeout: 10_000 },
  );
  await page.waitForTimeout(2500);
  await screenshot(page, 'ui-machine-detail');
  await page.getByRole('button', { name: 'Remove this machine' }).waitFor();

  // Edit it: the form comes filled in; the password is kept unless a new one is typed.
  await page.getByRole('link', { name: 'Edit this machine' }).click();
  await page.getByRole('heading', { name: 'Edit um-2' }).waitFor();
  assert.equal(await page.getByLabel('Port').inputValue(), String(second.port));
  assert.equal(await page.getByLabel('Name (required)').getAttribute('readonly'), '');
  await page.getByLabel('Poll every (seconds)').fill('2');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('um-2 is saved and collected with its new settings.').waitFor();
  assert.equal(host.agent.allMachines().find((m) => m.name === 'um-2')?.poll_interval, 2);
  await page.evaluate(() => {
    location.hash = '#/machine/um-1';
  });
  await page.getByText('Defined in the configuration file: change or remove it there.').waitFor();
  // How far its past jobs reach is said in words, never as a bare dash.
  assert.match(
    (await page.locator('p.history').textContent()) ?? '',
    /^Past jobs: .+ · \d+ in the last run · (none stored yet|stored up to \S+, (none confirmed by the cloud yet|confirmed up to \S+))$/,
  );

  // The refused captures are set aside; the cloud is fixed; retry them from the Sync screen.
  await page.getByRole('link', { name: 'Sync' }).click();
  await page
    .locator('[data-dead-letter]')
    .first()
    .waitFor({ timeout: 15_000 })
    .catch(async () => {
      // The screen loads its list once: reload it if the refusals came after.
      await page.reload();
      await page.getByRole('link', { name: 'Sync' }).click();
      await page.locator('[data-dead-letter]').first().waitFor({ timeout: 15_000 });
    });
  await screenshot(page, 'ui-sync');
  await emulator.setFaults({ reject_capture_types: [] });
  const before = emulator.state.captures.size;
  const deadLetters = page.locator('[data-dead-letter]');
  for (let left = await deadLetters.count(); left > 0; left = await deadLetters.count()) {
    await deadLetters.first().getByRole('button', { name: 'Retry' }).click();
    // One row fewer before the next click: the list is redrawn after each retry.
    await page.waitForFunction(
      (before) => document.querySelectorAll('[data-dead-letter]').length < before,
      left,
    );
    await page.getByText('put back in the queue').waitFor();
  }
  await page.getByText('No record is set aside').waitFor();
  const deadline = Date.now() + 15_000;
  while (emulator.state.captures.size <= before && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(emulator.state.captures.size > before, 'the retried captures reached the cloud');

  // Diagnostics bundle.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export diagnostics' }).click();
  const file = await (await download).path();
  const zip = readFileSync(file);
  assert.equal(zip.subarray(0, 2).toString(), 'PK');
  for (const file of ['status.json', 'config.json', 'jobs.json', 'settings.local.json', 'installation.json'])
    assert.ok(zip.includes(Buffer.from(file)), `${file} in the bundle`);

  // The logs screen finds the cloud's refusals by a word of their message.
  await page.getByRole('link', { name: 'Logs' }).click();
  await page.getByLabel('Search').fill('refused');
  await page.locator('.logs tbody tr', { hasText: 'refused' }).first().waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.querySelectorAll('.logs tbody tr').length === 1);
  await screenshot(page, 'ui-logs');
  // The diagnostics bundle is on this screen too.
  const again = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export diagnostics' }).click();
  assert.match((await again).suggestedFilename(), /^echo-diagnostics-.*\.zip$/);
  await page.getByText(/^Saved echo-diagnostics-/).waitFor();

  // A machine added in the app is removed from it (config-file machines are not).
  page.once('dialog', (dialog) => void dialog.accept());
  await page.evaluate(() => {
    location.hash = '#/machine/um-2';
  });
  await page.getByRole('button', { name: 'Remove this machine' }).click();
  await page.locator('.tile[data-machine="um-1"]').waitFor();
  await page.waitForFunction(() => !document.querySelector('.tile[data-machine="um-2"]'), undefined, {
    timeout: 10_000,
  });

  // Settings: a bad value is refused in words naming the field; a good one is saved and applied
  // by a restart of the core, on the same address and token (the page keeps working).
  await page.getByRole('link', { name: 'Settings' }).click();
  const health = page.getByLabel('Health', { exact: true });
  await health.waitFor();
  assert.equal(await health.inputValue(), '5');
  // Editing the cloud URL says what moving to another cloud means (not saved here).
  const url = page.getByLabel('URL', { exact: true });
  await url.fill('https://other.example/');
  await page.getByText('Another cloud: Echo registers there anew').waitFor();
  await url.fill(emulator.url);
  await page.getByText('Another cloud: Echo registers there anew').waitFor({ state: 'hidden' });
  await health.fill('0');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText(/Not saved: .*intervals\.health/).waitFor();
  await health.fill('90');
  await page.getByLabel('Level', { exact: true }).selectOption('info');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved and applied.').waitFor({ timeout: 20_000 });
  assert.equal(host.restarts, 1);
  assert.equal(host.agent.config.intervals.health, 90);
  assert.equal(await page.getByLabel('Health', { exact: true }).inputValue(), '90');
  await page.locator('[data-source="app"]').first().waitFor();
  await screenshot(page, 'ui-settings');

  // Sign out.
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('Echo is signed out.').waitFor({ timeout: 10_000 });

  // Or with an API token made in the cloud: a wrong secret is refused in words, the right one works.
  await page.getByText('Use an API token instead').click();
  await page.getByLabel('Token ID').fill(SEED_TOKEN.uuid);
  await page.getByLabel('Token secret').fill('not-the-secret');
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.getByText(/Token not accepted: .*refused this API token/).waitFor({ timeout: 10_000 });
  await page.getByLabel('Token secret').fill(SEED_TOKEN.secret);
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.getByText('Signed in with the API token.').waitFor({ timeout: 10_000 });
  await page.getByText(/cloud reachable · last sync \d+ s ago/).waitFor({ timeout: 15_000 });
  assert.deepEqual(pageErrors, []);
});
