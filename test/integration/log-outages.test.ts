/**
 * A machine PC writes its log at a steady pace with bursts and rotates it, while Echo (the agent as
 * it ships, in its own process) is killed during the bursts and stays down through rotations.
 * Every line written must reach the cloud exactly once.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEmulator, tempDir, waitFor } from '../helpers/harness.ts';
import { RealAgent, sleep } from '../hostile/real-agent.ts';

const LINE = /(?:^| )line (\d+)$/;

/** The machine PC: numbered Arcam-style lines into `<folder>/build.log`, every 10th a warning. */
class MachinePc {
  written = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly folder: string) {
    mkdirSync(folder, { recursive: true });
  }

  private get path() {
    return join(this.folder, 'build.log');
  }

  write(count: number): void {
    let text = '';
    for (let i = 0; i < count; i++) {
      const n = this.written++;
      text += `2026-12-06 05:00:00.000 | ${n % 10 === 0 ? 'Warning' : 'Info'} | line ${n}\n`;
    }
    appendFileSync(this.path, text);
  }

  /** About 200 lines a second, as a busy machine writes. */
  start(): void {
    this.timer = setInterval(() => this.write(2), 10);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Shifts the numbered files up (keeping 5); `build.log.1` is then free. */
  private shift(): void {
    rmSync(`${this.path}.5`, { force: true });
    for (let i = 4; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        // not there yet
      }
    }
  }

  rotateRename(): void {
    this.shift();
    renameSync(this.path, `${this.path}.1`);
  }

  rotateCopyTruncate(): void {
    this.shift();
    copyFileSync(this.path, `${this.path}.1`);
    truncateSync(this.path, 0);
  }
}

test('killed during bursts and down through rename and copytruncate rotations: every log line reaches the cloud exactly once', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['log-pc']);
  const pc = new MachinePc(join(tempDir(t), 'share'));
  const dataDir = join(tempDir(t), 'data');
  const start = () =>
    RealAgent.start(t, {
      cloudUrl: emulator.url,
      modelers,
      dataDir,
      machines: [
        {
          name: 'log-pc',
          collector: 'log-files',
          connection: { format: 'arcam', folder: pc.folder, start_at: 'beginning', forward_level: 'WARN' },
          poll_interval: 0.2,
        },
      ],
    });
  /** A burst of `lines` in steps, with the agent SIGKILLed half-way through. */
  const burstAndKill = async (agent: RealAgent, lines: number) => {
    for (let i = 0; i < 10; i++) {
      pc.write(lines / 10);
      if (i === 5) agent.child.kill('SIGKILL');
      await sleep(5);
    }
    await waitFor(() => agent.exited !== undefined, 10_000, 'the agent to die');
  };

  pc.write(20);
  pc.start();
  let agent = await start();
  await sleep(1500);
  await burstAndKill(agent, 2000);
  // Down: a burst, a rename rotation, lines into the new file, another rotation.
  pc.write(800);
  pc.rotateRename();
  pc.write(600);
  pc.rotateRename();
  await sleep(1000);

  agent = await start();
  await sleep(1500);
  pc.rotateCopyTruncate(); // while Echo runs: the lines after its last read are in the copy only
  await sleep(1000);
  await burstAndKill(agent, 2000);
  // Down: a burst, then copytruncate twice (numbered copies), with lines in between.
  pc.write(700);
  pc.rotateCopyTruncate();
  pc.write(500);
  pc.rotateCopyTruncate();
  await sleep(1000);

  agent = await start();
  await sleep(1000);
  pc.stop();
  pc.write(10);

  const seen = () => {
    const counts = new Map<number, number>();
    const byId = new Map<string, Buffer>();
    for (const capture of emulator.state.captures.values()) {
      if (capture.capture_type_name !== 'arcam.job.log' || capture.content === undefined) continue;
      byId.set(String(capture.meta.echo_capture_id), capture.content);
    }
    for (const content of byId.values()) {
      for (const line of content.toString().split('\n')) {
        const match = LINE.exec(line);
        if (match) counts.set(Number(match[1]), (counts.get(Number(match[1])) ?? 0) + 1);
      }
    }
    return counts;
  };
  await waitFor(() => seen().size >= pc.written, 60_000, 'every line in the cloud', {
    everyMs: 250,
    describe: () => `${seen().size} of ${pc.written} lines; agent output: ${agent.output.slice(-2000)}`,
  });
  const counts = seen();
  const missing = Array.from({ length: pc.written }, (_, i) => i).filter((i) => !counts.has(i));
  const twice = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
  // Read by `npm run bench -- log-outage`, which runs this scenario as a figure.
  t.diagnostic(`log-outage: written ${pc.written}, lost ${missing.length}, twice ${twice.length}`);
  assert.deepEqual({ missing, twice }, { missing: [], twice: [] });

  // The warnings also went to /logs/ (at least once: a batch sent as Echo died is sent again).
  const warnings = Array.from({ length: pc.written }, (_, i) => i).filter((i) => i % 10 === 0);
  const unwarned = () => {
    const warned = new Set(
      emulator.state.logBatches.flatMap((b) =>
        (b.logs as Array<{ message: string }>).map((l) => Number(LINE.exec(l.message)?.[1])),
      ),
    );
    return warnings.filter((n) => !warned.has(n));
  };
  await waitFor(() => unwarned().length === 0, 30_000, 'every warning in /logs/', {
    everyMs: 250,
    describe: () => `missing: ${unwarned().slice(0, 20).join(', ')}`,
  });
  t.diagnostic(`${pc.written} lines written through 2 kills, 4 rotations while down, 1 while up`);
});
