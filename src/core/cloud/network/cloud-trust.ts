import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import tls from 'node:tls';
import { ConfigError } from '../../../shared/errors.ts';

/** A CA bundle bigger than this is not a CA bundle (the OS store of Windows is ~300 KB as PEM). */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The certificate authorities Echo trusts for the cloud: `undefined` means Node's own (Mozilla's
 * list), else that list plus the corporate bundle (`cloud.ca_file`) and the operating system's
 * store (`cloud.use_system_ca`). Node replaces its list with `ca` when one is given, so the
 * defaults are always part of it: a corporate CA is added, never substituted.
 */
export interface CloudTrust {
  ca: string[] | undefined;
  /** What was added to Node's list, for the start log and `status` ("ca_file: 2 certificates"). */
  added: string[];
}

type CaReader = (kind: 'system') => string[];

export function cloudTrust(
  cloud: { ca_file?: string | undefined; use_system_ca: boolean },
  systemCertificates: CaReader | undefined = systemCaReader(),
): CloudTrust {
  const extra: string[] = [];
  const added: string[] = [];
  if (cloud.ca_file !== undefined) {
    const pems = readCaFile(cloud.ca_file);
    extra.push(...pems);
    added.push(`cloud.ca_file: ${pems.length} certificate${pems.length === 1 ? '' : 's'}`);
  }
  if (cloud.use_system_ca) {
    if (!systemCertificates) {
      throw new ConfigError('ECHO_ERR_CONFIG_INVALID', 'cloud.use_system_ca cannot be honoured', [
        `cloud.use_system_ca: this runtime (Node ${process.versions.node}) cannot read the operating system's certificate store; run the desktop app's runtime or Node 22.15+, or export the CA to a PEM file and set cloud.ca_file`,
      ]);
    }
    const pems = systemCertificates('system');
    extra.push(...pems);
    added.push(`the system store: ${pems.length} certificates`);
  }
  if (extra.length === 0) return { ca: undefined, added };
  return { ca: [...tls.rootCertificates, ...extra], added };
}

/** Node 22.15+ (and Electron's runtime) read the OS store; older Node has no API for it. */
function systemCaReader(): CaReader | undefined {
  const reader = (tls as { getCACertificates?: CaReader }).getCACertificates;
  return typeof reader === 'function' ? (kind) => reader(kind) : undefined;
}

/** Every certificate of a PEM bundle, each parsed: a wrong file is said at start, not at the first TLS error. */
export function readCaFile(path: string): string[] {
  const field = 'cloud.ca_file';
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CA_FILE_BYTES) throw new Error(`${size} bytes is too big for a CA bundle`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('ECHO_ERR_CONFIG_INVALID', `${field} cannot be read`, [
      `${field}: ${path}: ${error instanceof Error ? error.message : String(error)}; give the path of a PEM file (-----BEGIN CERTIFICATE-----)`,
    ]);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) {
    throw new ConfigError('ECHO_ERR_CONFIG_INVALID', `${field} holds no certificate`, [
      `${field}: ${path} has no PEM certificate; export the CA as Base-64 (PEM), not DER`,
    ]);
  }
  pems.forEach((pem, index) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new ConfigError('ECHO_ERR_CONFIG_INVALID', `${field} holds a broken certificate`, [
        `${field}: certificate ${index + 1} of ${path} does not parse (${error instanceof Error ? error.message : String(error)})`,
      ]);
    }
  });
  return pems;
}
