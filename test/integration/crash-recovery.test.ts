import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

const ITERATIONS = Number(process.env.ECHO_CRASH_ITERATIONS ?? 20);

/** Runs the child until it is ready, lets it work for `ms`, then SIGKILLs it. Returns its ACKs. */
function runAndKill(configFile: string, label: string, ms: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../fixtures/crash-child.ts'), configFile, label],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acks: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'READY') setTimeout(() => child.kill('SIGKILL'), ms);
        else if (line.startsWith('ACK ')) acks.push(line.slice(4));
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`child exited on its own (code ${code}): ${stderr}`));
    });
  });
}

test(`SIGKILL at random moments during ingest and sync, ${ITERATIONS} times: every acknowledged record reaches the cloud exactly once`, async (t) => {
  const machines = ['m1', 'm2', 'm3', 'm4'];
  // Resets mid-upload and slow replies make kills land in every phase: POST, PUT, GET.
  const { emulator, modelers } = await startEmulator(t, machines, {
    faults: { rate_upload_reset: 0.1, slow_ms: 3 },
    seed: 7,
  });
  const dataDir = tempDir(t);
  const config = testConfig(dataDir, emulator.url, modelers, { store: { inline_content_max_kb: 64 } });
  const configFile = join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ ...config, source: undefined }));

  const acknowledged = new Set<string>();
  for (let i = 0; i < ITERATIONS; i++) {
    const acks = await runAndKill(configFile, `run${i}`, 150 + Math.floor(Math.random() * 700));
    for (const id of acks) acknowledged.add(id);
  }
  assert.ok(acknowledged.size > ITERATIONS, `the children stored records (${acknowledged.size})`);

  // A last, uninterrupted run drains whatever the killed ones left.
  await emulator.setFaults({ rate_upload_reset: 0, slow_ms: 0 });
  const agent = await startAgent(t, config);
  await waitFor(
    () =>
      agent.store.stats.captureBacklog() === 0 &&
      [...acknowledged].every((id) => emulator.state.uploadedCaptureIds().has(id)),
    120_000,
    'every acknowledged record uploaded',
  );
  const resources = new Map<string, number>();
  for (const capture of emulator.state.captures.values()) {
    const id = capture.meta.echo_capture_id;
    resources.set(id, (resources.get(id) ?? 0) + 1);
  }
  const missing = [...acknowledged].filter((id) => !resources.has(id));
  const duplicated = [...resources].filter(([, count]) => count > 1);
  assert.deepEqual(missing, [], 'no acknowledged record is lost');
  assert.deepEqual(duplicated, [], 'no record exists twice in the cloud');
  assert.equal(agent.store.stats.counts().captures.dead, 0);
  t.diagnostic(
    `acknowledged ${acknowledged.size}; cloud captures ${resources.size}; duplicate POSTs absorbed by echo_capture_id: ${emulator.state.duplicateCapturePosts}`,
  );
});
