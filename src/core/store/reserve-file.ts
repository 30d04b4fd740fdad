import { statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

/**
 * Ballast: a file of zeros Echo keeps beside its database and deletes the moment the disk is full.
 * A full disk means SQLite cannot even record that a capture was sent (every update appends to the
 * WAL), so sending, which is what frees the disk, would stall too; the ballast's space is what lets
 * it go on. It is written again when space has returned.
 *
 * It is written in the background, a chunk at a time, so that neither a start nor a recheck waits
 * for tens of MB to reach the disk; a release while it is being written stops the writing.
 */
export class ReserveFile {
  private filling: Promise<boolean> | undefined;
  /** Bumped by each release: a fill that started before one stops. */
  private generation = 0;

  constructor(
    private readonly path: string,
    private readonly bytes: number,
  ) {}

  /** Bytes the reserve holds now. */
  get size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /**
   * Fills the reserve to its full size in the background; resolves true when it is whole, false
   * when the disk was too short or it was released meanwhile. Never rejects: a reserve that cannot
   * be made only means less room when the disk fills.
   */
  ensure(): Promise<boolean> {
    if (this.bytes === 0) return Promise.resolve(true);
    this.filling ??= this.fill(this.generation).finally(() => {
      this.filling = undefined;
    });
    return this.filling;
  }

  /** Deletes the reserve (and stops a fill); returns the bytes given back to the disk. */
  release(): number {
    this.generation++;
    const size = this.size;
    try {
      unlinkSync(this.path);
    } catch {
      // Not there (never made, or released already).
    }
    return size;
  }

  private async fill(generation: number): Promise<boolean> {
    let have = this.size;
    if (have >= this.bytes) return true;
    const zeros = Buffer.alloc(CHUNK);
    let file: Awaited<ReturnType<typeof open>> | undefined;
    try {
      file = await open(this.path, 'a', 0o600);
      while (have < this.bytes) {
        if (generation !== this.generation) return false;
        have += (await file.write(zeros, 0, Math.min(CHUNK, this.bytes - have))).bytesWritten;
      }
      await file.sync();
      return generation === this.generation;
    } catch {
      return false;
    } finally {
      await file?.close();
      // Released while writing: what this fill wrote after the release goes too.
      if (generation !== this.generation) this.release();
    }
  }
}
