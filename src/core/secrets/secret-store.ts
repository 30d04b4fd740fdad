import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EchoError } from '../../shared/errors.ts';

/** Where Echo keeps secrets: the cloud api token, machine passwords. */
export interface SecretStore {
  readonly description: string;
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
}

/**
 * The headless secret store: one JSON file in `data_dir`, readable by its owner only (0600),
 * replaced atomically. The desktop app supplies an Electron `safeStorage`-backed store instead
 * (docs/security.md says which is used where).
 */
export class FileSecretStore implements SecretStore {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `owner-only file ${path}`;
  }

  static inDataDir(dataDir: string): FileSecretStore {
    return new FileSecretStore(join(dataDir, 'secrets.json'));
  }

  get(name: string): string | undefined {
    return this.read()[name];
  }

  set(name: string, value: string): void {
    this.write({ ...this.read(), [name]: value });
  }

  delete(name: string): void {
    const all = this.read();
    delete all[name];
    this.write(all);
  }

  private read(): Record<string, string> {
    if (!existsSync(this.path)) return {};
    return JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, string>;
  }

  private write(all: Record<string, string>): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, JSON.stringify(all, null, 2), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.path);
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
