/**
 * A real small file system for host-failure tests: a tmpfs of a few MB mounted on a temp folder
 * (root can; so can CI, which runs as root). Another program filling it is a file written until
 * only `leaveBytes` remain, as on a shop PC where a backup or a video fills the disk.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freeBytes as free } from '../../src/core/store/store-failure.ts';

export interface SmallDisk {
  path: string;
  freeBytes(): number;
  /** Fills the disk from outside until about `leaveBytes` are free; returns the filler's size. */
  fill(leaveBytes: number): number;
  /** Deletes the filler: the space is back. */
  free(): void;
  /** Mounts it read-only (true) or read-write again (false), as a share that turns read-only. */
  readOnly(on: boolean): void;
}

export function mountSmallDisk(t: TestContext, megabytes: number): SmallDisk {
  const path = mkdtempSync(join(tmpdir(), 'echo-small-disk-'));
  const mount = (args: string[]) => {
    try {
      execFileSync('mount', args, { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(
        `mounting a ${megabytes} MB tmpfs needs root (CI runs as root): mount ${args.join(' ')}: ${stderr ?? error}`,
      );
    }
  };
  mount(['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', path]);
  t.after(() => {
    try {
      // Lazy: an agent still closing its files does not keep the mount busy.
      execFileSync('umount', ['-l', path], { stdio: 'pipe' });
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
  const filler = join(path, 'someone-elses-file.bin');
  const freeBytes = () => free(path) ?? 0;
  return {
    path,
    freeBytes,
    fill(leaveBytes) {
      const chunk = Buffer.alloc(64 * 1024, 0x5a);
      const fd = openSync(filler, 'a');
      let written = 0;
      try {
        for (let free = freeBytes(); free > leaveBytes; free = freeBytes()) {
          const size = Math.min(chunk.length, free - leaveBytes);
          try {
            written += writeSync(fd, chunk, 0, size);
          } catch {
            break; // full already: the agent took the rest meanwhile
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free() {
      rmSync(filler, { force: true });
    },
    readOnly(on) {
      mount(['-o', `remount,${on ? 'ro' : 'rw'}`, path]);
    },
  };
}
