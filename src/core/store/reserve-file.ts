import { closeSync, fsyncSync, openSync, rmSync, statSync, writeSync } from 'node:fs';

const CHUNK = 256 * 1024;

/**
 * Ballast: a file of zeros Echo keeps beside its database and deletes the moment the disk is full.
 * A full disk means SQLite cannot even record that a capture was sent (every update appends to the
 * WAL), so sending, which is what frees the disk, would stall too; the ballast's space is what lets
 * it go on. It is written again when space has returned, before collection resumes.
 */
export class ReserveFile {
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
   * Makes the reserve its full size; as much as fits when the disk is short (true when whole).
   * Never throws: a reserve that cannot be made only means less room when the disk fills.
   */
  ensure(): boolean {
    if (this.bytes === 0) return true;
    let have = this.size;
    if (have >= this.bytes) return true;
    const zeros = Buffer.alloc(CHUNK);
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'a', 0o600);
      while (have < this.bytes) have += writeSync(fd, zeros, 0, Math.min(CHUNK, this.bytes - have));
      fsyncSync(fd);
      return true;
    } catch {
      return false;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Deletes the reserve; returns the bytes given back to the disk. */
  release(): number {
    const size = this.size;
    rmSync(this.path, { force: true });
    return size;
  }
}
