import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EchoError } from '../../shared/errors.ts';
import { FileSecretStore, MapFileSecretStore, type SecretStore } from './secret-store.ts';

/** The variable through which the desktop app hands the core the key of its secret store. */
export const SECRETS_KEY_ENV = 'ECHO_SECRETS_KEY';

/**
 * Set by the desktop app instead of a key when the OS keeps none for it (no keychain, or Linux's
 * `basic_text`): why, in words, for `status` and the log to say next to the owner-only file.
 */
export const SECRETS_UNENCRYPTED_ENV = 'ECHO_SECRETS_UNENCRYPTED';

interface Sealed {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

/**
 * The desktop app's secret store: the same owner-only file, encrypted with AES-256-GCM under a
 * key that the Electron shell keeps with `safeStorage` (DPAPI, Keychain, libsecret) and passes to
 * the core's process. A copied file is useless without the user's OS login; a wrong key is a
 * clear error, never an empty store that would lose the api token silently.
 */
export class EncryptedFileSecretStore extends MapFileSecretStore {
  readonly description: string;
  private readonly key: Buffer;

  constructor(path: string, keyHex: string) {
    super(path);
    if (!/^[0-9a-f]{64}$/i.test(keyHex)) {
      throw new EchoError('ECHO_ERR_USAGE', `${SECRETS_KEY_ENV} must be 64 hex characters (a 256-bit key)`);
    }
    this.key = Buffer.from(keyHex, 'hex');
    this.description = `encrypted file ${path} (key kept by the desktop app in the OS keychain)`;
  }

  protected decode(text: string): Record<string, string> {
    const sealed = JSON.parse(text) as Sealed;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as Record<string, string>;
    } catch (error) {
      throw new EchoError(
        'ECHO_ERR_SECRET_MISSING',
        `the secret store ${this.path} cannot be opened with this key (another user's, or the OS keychain was reset): sign in again after removing it`,
        { cause: error },
      );
    }
  }

  protected encode(all: Record<string, string>): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(all), 'utf8'), cipher.final()]);
    const sealed: Sealed = {
      v: 1,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    return JSON.stringify(sealed);
  }
}

/**
 * The secret store of an installation: encrypted when the desktop app handed over a key, else
 * the owner-only file of headless installs. Secrets a headless run stored before the desktop
 * app took over move into the encrypted file once (and the plain file is removed).
 */
export function openSecretStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretStore {
  const key = env[SECRETS_KEY_ENV];
  if (!key) return FileSecretStore.inDataDir(dataDir, env[SECRETS_UNENCRYPTED_ENV] || undefined);
  const encrypted = new EncryptedFileSecretStore(join(dataDir, 'secrets.enc'), key);
  // Each start with a key empties the plain file into the encrypted one, so a plain file found here
  // was written since (a session without a keyring, `echo-agent login`): its entries are newer.
  moveSecrets(FileSecretStore.inDataDir(dataDir), join(dataDir, 'secrets.json'), encrypted, 'from');
  return encrypted;
}

/**
 * The way back: the encrypted file's secrets into the owner-only file, and the encrypted file
 * removed. For a key that turned out to be no protection (sealed by Linux's `basic_text`, a
 * password built into Electron): the desktop app stops pretending. Here the owner-only file is the
 * newer one (every start with the key emptied it into the encrypted file; one found now was
 * written since, by `echo-agent login` or a session without the key), so it keeps its entries.
 */
export function unsealSecretStore(dataDir: string, keyHex: string): void {
  const sealedPath = join(dataDir, 'secrets.enc');
  moveSecrets(
    new EncryptedFileSecretStore(sealedPath, keyHex),
    sealedPath,
    FileSecretStore.inDataDir(dataDir),
    'to',
  );
}

/**
 * The entries of `from` go to `to` in one write, then the file of `from` is removed. On a name both
 * hold, `newer` (the store written last) keeps its value.
 */
function moveSecrets(
  from: MapFileSecretStore,
  fromPath: string,
  to: MapFileSecretStore,
  newer: 'from' | 'to',
): void {
  if (!existsSync(fromPath)) return;
  const moving = from.entries();
  if (newer === 'to') {
    const kept = to.entries();
    for (const name of Object.keys(kept)) delete moving[name];
  }
  if (Object.keys(moving).length > 0) to.setAll(moving);
  rmSync(fromPath);
}
