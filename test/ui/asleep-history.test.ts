/// <reference lib="dom" />
/**
 * Issue 14, sleep and resume, as the operator sees it: after Echo did not run for a while, the
 * machine's screen shows the gap in its history ("Echo was asleep from … to …"), and the machine
 * is not shown as down. The agent runs in this process: blocking this process's thread (not its
 * CPU) for a few seconds is, to Echo, a process the OS stopped.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';
import { launchChromium, screenshot } from './browser.ts';

/** Holds this thread without using CPU, as SIGSTOP would hold the process. */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('the machine screen shows "Echo was asleep" in its history after a gap, and no downtime', async (t) => {
  const sim = await UltimakerSimulator.start({ name: 'um-1' });
  t.after(() => sim.close());
  const { emulator, modelers } = await startEmulator(t, ['um-1']);
  const base = testConfig(join(tempDir(t), 'data'), emulator.url, modelers, {
    intervals: { health: 5, logs_flush: 1, status_report: 1, command_poll: 5, asleep_after: 2 },
  });
  const config = {
    ...base,
    machines: base.machines.map((m) => ({
      ...m,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 0.5,
      timeout: 1,
    })),
  };
  const agent = await startAgentWithCollectors(t, config);
  await waitFor(() => (agent.machines()[0]?.live?.polls ?? 0) >= 2, 15_000, 'the first polls');

  freeze(3500);
  await waitFor(() => (agent.status().asleep?.length ?? 0) === 1, 5000, 'the gap');
  await waitFor(() => (agent.machines()[0]?.live?.polls ?? 0) >= 4, 5000, 'polls after the gap');
  assert.equal(agent.machines()[0]!.live!.failures, 0);

  const api = JSON.parse(readFileSync(join(config.data_dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const browser = await launchChromium(t);
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await page.goto(`${api.url}/ui/#token=${api.token}`);
  await page.locator('.tile').first().waitFor({ timeout: 15_000 });
  await page.evaluate(() => {
    location.hash = '#/machine/um-1';
  });
  const gap = page.getByRole('list', { name: 'Gaps in the history' }).getByRole('listitem');
  await gap.waitFor({ timeout: 10_000 });
  assert.match(
    (await gap.textContent()) ?? '',
    /^Echo was asleep from .+ to .+ \([3-6] s\): the machine was not polled then; this is not machine downtime\.$/,
  );
  assert.equal(await page.locator('.badge[data-state="offline"], .badge[data-state="error"]').count(), 0);
  await screenshot(page, 'ui-machine-asleep');
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
  )) as { violations: Array<{ id: string; impact: string; help: string }> };
  assert.deepEqual(
    result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    [],
  );
});
