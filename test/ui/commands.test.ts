/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { resolveConfig } from '../../src/core/config/load.ts';
import { SEED_TOKEN, startAgentHost, startEmulator, tempDir, waitFor } from '../helpers/harness.ts';
import { launchChromium, screenshot } from './browser.ts';

test('a start_job in Chromium: the header says it waits, the operator confirms on the machine screen and the printer prints it; a second one is refused and never reaches the printer', async (t) => {
  const sim = await UltimakerSimulator.start({ name: 'um-cell', speed: 10, autoApproveMs: 100 });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['um-cell']);
  const config = resolveConfig(
    {
      workstation_name: 'ui-commands',
      data_dir: join(tempDir(t), 'data'),
      cloud: { url: emulator.url, api_token: SEED_TOKEN, request_timeout_ms: 5000 },
      intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 1 },
      sync: { backoff_initial_ms: 200, backoff_max_ms: 2000 },
      log: { level: 'warn' },
      machines: [
        {
          name: 'um-cell',
          collector: 'ultimaker',
          connection: { host: sim.host, port: sim.port },
          modeler: modelers['um-cell'],
          poll_interval: 0.2,
          commands: { allow: ['start_job', 'pause_job', 'resume_job', 'cancel_job', 'check_configuration'] },
        },
      ],
    },
    {},
  );
  await startAgentHost(t, config);
  const api = JSON.parse(readFileSync(join(config.data_dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const browser = await launchChromium(t);
  // axe is injected as a script, which the UI's CSP rightly forbids: this context bypasses it.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${api.url}/ui/#token=${api.token}`);
  await page.locator('.tile[data-machine="um-cell"][data-state="idle"]').waitFor({ timeout: 15_000 });

  const content = Buffer.from(';FLAVOR:UltiGCode\n'.repeat(5000));
  const file = emulator.addBuildFile({
    name: 'gripper.gcode',
    content,
    virus_scan: 'passed',
    status: 'complete',
  });
  const start = emulator.sendCommand({
    type: 'start_job',
    modeler: modelers['um-cell']!,
    'build-file': file.uri,
  });

  // Every screen says it in the header, with a link to the machine.
  const banner = page.locator('#confirmations');
  await banner.getByText('A remote command waits for your confirmation').waitFor({ timeout: 15_000 });
  await screenshot(page, 'ui-command-awaiting');
  await banner.getByRole('link', { name: 'start_job on um-cell' }).click();
  await page.getByRole('heading', { name: 'um-cell' }).waitFor();
  const row = page.locator('tr', { hasText: 'waits for your confirmation' });
  await row.waitFor({ timeout: 10_000 });
  const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: axe });
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
  )) as { violations: Array<{ id: string; impact: string; help: string }> };
  assert.deepEqual(
    result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    [],
  );
  assert.equal(file.downloads, 0, 'nothing is downloaded before the operator says yes');
  await row.getByRole('button', { name: 'Confirm start_job' }).click();

  await waitFor(
    () => emulator.state.commands.get(start.uuid)!.status === 'complete',
    20_000,
    'the job started',
  );
  await page.locator('tr', { hasText: 'done' }).waitFor({ timeout: 10_000 });
  await page.locator('.badge[data-state="printing"]').waitFor({ timeout: 10_000 });
  await banner.waitFor({ state: 'hidden' });
  assert.equal(sim.commandsReceived.filter((c) => c.method === 'POST').length, 1);
  await screenshot(page, 'ui-command-confirmed');

  // The next one is refused at the workstation: an error in the cloud, nothing on the printer.
  const other = emulator.addBuildFile({
    name: 'spare.gcode',
    content,
    virus_scan: 'passed',
    status: 'complete',
  });
  const refused = emulator.sendCommand({
    type: 'start_job',
    modeler: modelers['um-cell']!,
    'build-file': other.uri,
  });
  await page
    .locator('tr', { hasText: 'waits for your confirmation' })
    .getByRole('button', { name: 'Refuse' })
    .click({ timeout: 15_000 });
  await waitFor(
    () => emulator.state.commands.get(refused.uuid)!.status === 'error',
    20_000,
    'the refusal reported',
  );
  await page.getByText('refused at the workstation by the operator').waitFor({ timeout: 10_000 });
  assert.equal(other.downloads, 0);
  assert.equal(sim.commandsReceived.filter((c) => c.method === 'POST').length, 1);
  assert.deepEqual(pageErrors, []);
});
