import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SECRETS_KEY_ENV, SECRETS_UNENCRYPTED_ENV, unsealSecretStore } from '../core/desktop.ts';

/** Electron's `safeStorage`, as much of it as this needs. */
export interface OsCipher {
  isEncryptionAvailable(): boolean;
  /** Linux only: the keyring behind safeStorage, in Electron's words (`basic_text` is none). */
  getSelectedStorageBackend(): string;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** The key of the core's encrypted secret store, or why the OS keeps none (the owner-only file then). */
export type SecretsKey = { key: string } | { unencrypted: string };

/**
 * Why the OS cannot keep Echo's key, or undefined when it can. Linux's `basic_text` backend counts
 * as none: safeStorage then "encrypts" with a password built into Electron, so a sealed key
 * protects nothing that the owner-only file does not, and calling it encrypted would mislead.
 */
export function whyNoOsKey(cipher: OsCipher, platform: NodeJS.Platform): string | undefined {
  if (!cipher.isEncryptionAvailable()) return 'the OS offers this app no encryption (no keychain or keyring)';
  if (platform === 'linux' && cipher.getSelectedStorageBackend() === 'basic_text') {
    return 'no keyring in this Linux session (Electron would use its built-in basic_text password)';
  }
  return undefined;
}

/**
 * The key of the core's encrypted secret store, made once and kept sealed by the OS (DPAPI,
 * Keychain, libsecret or kwallet) in `path`. Where the OS keeps none, the core keeps its
 * owner-only file and says why (`status`, the log). A key an earlier Echo sealed with
 * `basic_text` is retired: the secrets it guarded move to the owner-only file in `dataDir`, and
 * the key goes (the OS never guarded it; kept, it would be used again as if it had).
 */
export function loadOrCreateSecretsKey(
  path: string,
  dataDir: string,
  cipher: OsCipher,
  platform: NodeJS.Platform = process.platform,
): SecretsKey {
  const unencrypted = whyNoOsKey(cipher, platform);
  if (unencrypted) {
    if (cipher.isEncryptionAvailable() && existsSync(path)) retireKey(path, dataDir, cipher);
    return { unencrypted };
  }
  if (existsSync(path)) return { key: cipher.decryptString(readFileSync(path)) };
  const key = randomBytes(32).toString('hex');
  writeFileSync(path, cipher.encryptString(key), { mode: 0o600 });
  return { key };
}

/** The core's environment for its secret store: the key, or why there is none. */
export function secretsEnv(secretsKey: SecretsKey): Record<string, string> {
  return 'key' in secretsKey
    ? { [SECRETS_KEY_ENV]: secretsKey.key }
    : { [SECRETS_UNENCRYPTED_ENV]: secretsKey.unencrypted };
}

/**
 * Only a key that `basic_text` opens was sealed by it. One it cannot open belongs to a keyring
 * that is not there this session (locked, not started): it is kept for the next session.
 */
function retireKey(path: string, dataDir: string, cipher: OsCipher): void {
  let key: string;
  try {
    key = cipher.decryptString(readFileSync(path));
  } catch {
    return;
  }
  if (!/^[0-9a-f]{64}$/i.test(key)) return;
  try {
    unsealSecretStore(dataDir, key);
  } catch {
    // The encrypted file does not open with it either: both stay as they are, nothing is lost.
    return;
  }
  rmSync(path);
}
