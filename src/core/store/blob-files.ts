import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Large capture content lives in one file per capture under `<data_dir>/blobs/`, written and
 * fsynced (with its folder) before the row that names it is committed, so a committed row never
 * points at a file that a power cut took back.
 */
export class BlobFiles {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  pathFor(echoCaptureId: string): string {
    return join(this.dir, `${echoCaptureId}.bin`);
  }

  writeDurably(echoCaptureId: string, content: Buffer): string {
    const path = this.pathFor(echoCaptureId);
    const fd = this.create(path);
    try {
      let offset = 0;
      while (offset < content.length) offset += writeSync(fd, content, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.syncFolder();
    return path;
  }

  /** Opens a new blob file; a folder something removed is made again (once, not per write). */
  private create(path: string): number {
    try {
      return openSync(path, 'w', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(this.dir, { recursive: true });
      return openSync(path, 'w', 0o600);
    }
  }

  /**
   * Removes what a failed write left of a capture's file. Never throws: it runs while another
   * failure is being handled (a full disk, a folder gone), which is the one to report.
   */
  discard(echoCaptureId: string): void {
    try {
      rmSync(this.pathFor(echoCaptureId), { force: true });
    } catch {
      // The folder itself is unusable; nothing was left in it either.
    }
  }

  /** Deletes blob files that no row names (left by a crash between the write and the commit). */
  removeOrphans(isReferenced: (path: string) => boolean): number {
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (!isReferenced(path)) {
        rmSync(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  private syncFolder(): void {
    // Folders cannot be opened for fsync on Windows; NTFS journals the entry itself.
    if (process.platform === 'win32') return;
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
