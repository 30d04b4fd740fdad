import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BambuSimulator } from '../../src/collectors/bambu/simulator/bambu-simulator.ts';
import { tempDir } from './temp-dir.ts';

/**
 * How a test machine reaches a Bambu simulator: its address and serial, its certificate pinned.
 * `ftpPort` is given only by the tests that upload a job (start_job); `fingerprint` by those that
 * pin another certificate than the simulator's.
 */
export function bambuSimConnection(
  sim: BambuSimulator,
  options: { ftpPort?: number; fingerprint?: string } = {},
) {
  return {
    host: sim.host,
    port: sim.port,
    ...(options.ftpPort !== undefined ? { ftp_port: options.ftpPort } : {}),
    serial: sim.serial,
    stale_after: 2,
    tls: { fingerprint: options.fingerprint ?? sim.fingerprint },
  };
}

/**
 * A machine's `connection` and `credentials` for a Bambu simulator, as an operator configures
 * them: the access code in an owner-only file (removed when the test ends), referenced as
 * `password_ref: file:` so that it never stands in the config itself.
 */
export function bambuMachine(t: TestContext, sim: BambuSimulator, options: { ftp?: boolean } = {}) {
  const secret = join(tempDir(t), 'access-code');
  writeFileSync(secret, sim.accessCode, { mode: 0o600 });
  return {
    connection: bambuSimConnection(sim, options.ftp ? { ftpPort: sim.ftpPort } : {}),
    credentials: { password_ref: `file:${secret}` },
  };
}
