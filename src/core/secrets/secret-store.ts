import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EchoError } from '../../shared/errors.ts';
import { writeOwnerOnlyAtomic } from '../owner-only.ts';

/** Where Echo keeps secrets: the cloud api token, machine passwords. */
export interface SecretStore {
  readonly description: string;
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
}

/**
 * A secret store kept as one map in one owner-only file (0600), replaced atomically; the
 * subclasses decide how the map is written (plain JSON, or sealed).
 */
export abstract class MapFileSecretStore implements SecretStore {
  abstract readonly description: string;

  constructor(protected readonly path: string) {}

  get(name: string): string | undefined {
    return this.read()[name];
  }

  set(name: string, value: string): void {
    this.write({ ...this.read(), [name]: value });
  }

  /** Sets every entry of `entries` (replacing those of the same name) in one write of the file. */
  setAll(entries: Readonly<Record<string, string>>): void {
    this.write({ ...this.read(), ...entries });
  }

  delete(name: string): void {
    const all = this.read();
    delete all[name];
    this.write(all);
  }

  /** Every entry (to move them to another store). */
  entries(): Record<string, string> {
    return this.read();
  }

  protected abstract decode(text: string): Record<string, string>;
  protected abstract encode(all: Record<string, string>): string;

  private read(): Record<string, string> {
    if (!existsSync(this.path)) return {};
    return this.decode(readFileSync(this.path, 'utf8'));
  }

  private write(all: Record<string, string>): void {
    // `echo-agent login` may run before the agent ever made data_dir: owner-only from the start.
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeOwnerOnlyAtomic(this.path, this.encode(all));
  }
}

/**
 * The headless secret store: one JSON file in `data_dir`, readable by its owner only. The desktop
 * app encrypts the same map (`encrypted-file-store.ts`; docs/security.md says which is used where).
 */
export class FileSecretStore extends MapFileSecretStore {
  readonly description: string;

  /** `unencryptedBecause`: why the desktop app could not encrypt it (`status` and the log say so). */
  constructor(
    path: string,
    readonly unencryptedBecause?: string,
  ) {
    super(path);
    this.description = unencryptedBecause
      ? `owner-only file ${path}, not encrypted: ${unencryptedBecause}`
      : `owner-only file ${path}`;
  }

  static inDataDir(dataDir: string, unencryptedBecause?: string): FileSecretStore {
    return new FileSecretStore(join(dataDir, 'secrets.json'), unencryptedBecause);
  }

  protected decode(text: string): Record<string, string> {
    return JSON.parse(text) as Record<string, string>;
  }

  protected encode(all: Record<string, string>): string {
    return JSON.stringify(all, null, 2);
  }
}

/** Resolves a secret reference (`env:VAR`, `store:NAME`, `file:/path`) to its value. */
export function resolveSecretRef(
  ref: string,
  store: SecretStore,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const [kind, ...rest] = ref.split(':');
  const name = rest.join(':');
  let value: string | undefined;
  if (kind === 'env') value = env[name];
  else if (kind === 'store') value = store.get(name);
  else if (kind === 'file') value = existsSync(name) ? readFileSync(name, 'utf8').trim() : undefined;
  if (value === undefined || value === '') {
    throw new EchoError(
      'ECHO_ERR_SECRET_MISSING',
      `secret reference "${ref}" resolves to nothing; set it or fix the reference`,
    );
  }
  return value;
}
