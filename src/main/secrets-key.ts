import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Electron's `safeStorage`, as much of it as this needs. */
export interface OsCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/**
 * The key of the core's encrypted secret store, made once and kept sealed by the OS (DPAPI,
 * Keychain, libsecret) in `path`. Undefined where the OS offers no encryption (a Linux session
 * without a keyring): the core then keeps its owner-only file, and the app says so in the log.
 */
export function loadOrCreateSecretsKey(path: string, cipher: OsCipher): string | undefined {
  if (!cipher.isEncryptionAvailable()) return undefined;
  if (existsSync(path)) return cipher.decryptString(readFileSync(path));
  const key = randomBytes(32).toString('hex');
  writeFileSync(path, cipher.encryptString(key), { mode: 0o600 });
  return key;
}
