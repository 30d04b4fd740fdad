import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeError } from '../../shared/errors.ts';
import { writeOwnerOnlyAtomic } from '../owner-only.ts';

/**
 * The file beside the database that names this installation in the cloud. The store's kv holds the
 * same URI, but a damaged database is quarantined (and may salvage nothing): without a copy outside
 * it, Echo would register a second installation for the same PC.
 */
export const INSTALLATION_FILE = 'installation.json';

/** What the file holds. No secret: the URI alone grants nothing without the api token. */
export const installationIdentitySchema = z.object({
  /** The installation's `/ecco/<uuid>/` URI. */
  ecco_uri: z.url(),
  /** `workstation_name` when the identity was recorded (the name it was registered or found under). */
  workstation_name: z.string().min(1),
  /** The cloud (`cloud.url`, canonical) the installation belongs to: another cloud's is ignored. */
  cloud_url: z.url(),
  /** When this Echo registered the installation, adopted it, or carried it over from the database. */
  registered_at: z.iso.datetime({ offset: true }),
  /** How Echo came by the URI: `POST /ecco/`, found in `GET /ecco/` by name, or an older Echo's kv. */
  source: z.enum(['registered', 'adopted', 'carried_over']),
});

export type InstallationIdentity = z.infer<typeof installationIdentitySchema>;

/** What reading the file found: the identity, nothing (no file), or why the file was not used. */
export type IdentityRead =
  | { identity: InstallationIdentity; problem?: undefined }
  | { identity?: undefined; problem?: string };

/** `cloud.url` as Echo compares it: parsed, with a trailing slash. */
export function canonicalCloudUrl(url: string): string {
  const parsed = new URL(url);
  return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
}

/**
 * Reads and writes `installation.json` in `data_dir`. Nothing here throws or logs: a file that
 * cannot be read, parsed or written is returned as a problem for the caller to log, because losing
 * this copy must never stop the agent (the database still has the URI).
 */
export class InstallationIdentityFile {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, INSTALLATION_FILE);
  }

  read(): IdentityRead {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      return { problem: `it cannot be read (${describeError(error)})` };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { problem: 'it is not JSON' };
    }
    const result = installationIdentitySchema.safeParse(parsed);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
      return { problem: `it is not an installation identity (${issues.join('; ')})` };
    }
    return { identity: result.data };
  }

  /** Replaces the file, owner-only and atomically; returns why it could not, if it could not. */
  write(identity: InstallationIdentity): string | undefined {
    try {
      writeOwnerOnlyAtomic(
        this.path,
        `${JSON.stringify(installationIdentitySchema.parse(identity), null, 2)}\n`,
      );
      return undefined;
    } catch (error) {
      return describeError(error);
    }
  }

  /** Removes the file (absent is fine); returns why it could not, if it could not. */
  clear(): string | undefined {
    try {
      rmSync(this.path, { force: true });
      return undefined;
    } catch (error) {
      return describeError(error);
    }
  }
}
