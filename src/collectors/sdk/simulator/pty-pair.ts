import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pair of connected pseudo-terminals from `socat`, as a serial cable between a machine and the
 * PC: `machinePath` for the simulator, `hostPath` for Echo. `unplug()` kills socat (both ends
 * vanish, as a USB adapter pulled out), `replug()` brings them back under the same paths.
 */
export class PtyPair {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'echo-pty-'));
  readonly machinePath = join(this.dir, 'machine');
  readonly hostPath = join(this.dir, 'ttyECHO0');

  static available(): boolean {
    return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
  }

  static async open(): Promise<PtyPair> {
    if (!PtyPair.available()) {
      throw new Error(
        'socat is not installed: apt-get install socat (the serial tests need real pseudo-terminals)',
      );
    }
    const pair = new PtyPair();
    await pair.replug();
    return pair;
  }

  async replug(): Promise<void> {
    this.process = spawn(
      'socat',
      [`pty,raw,echo=0,link=${this.machinePath}`, `pty,raw,echo=0,link=${this.hostPath}`],
      { stdio: 'ignore' },
    );
    const until = Date.now() + 5000;
    while (!(existsSync(this.machinePath) && existsSync(this.hostPath))) {
      if (Date.now() > until) throw new Error('socat did not create the pseudo-terminals');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async unplug(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  async close(): Promise<void> {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
