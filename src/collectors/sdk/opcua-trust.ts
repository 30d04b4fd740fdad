import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { makeSHA1Thumbprint, readCertificate } from 'node-opcua-crypto';
import type { SharedResources } from './shared-resources.ts';

/** The collection's OPC UA certificate stores, made on first use and disposed when it stops. */
export function opcuaTrust(shared: SharedResources): OpcuaTrust {
  return shared.get(
    'sdk/opcua-trust',
    () => new OpcuaTrust(),
    (trust) => trust.dispose(),
  );
}

/**
 * The certificate managers of one collection: Echo's identity per PKI folder and one trust store
 * per machine folder. node-opcua reads a folder's index once per manager, so each folder gets one
 * manager, kept here (owned by the collection, never module state).
 */
export class OpcuaTrust {
  private readonly identities = new Map<string, Promise<OPCUACertificateManager>>();
  private readonly trustStores = new Map<string, Promise<OPCUACertificateManager>>();

  /**
   * Echo's own OPC UA identity in `pkiDir` (`data_dir/pki`): its private key, made once, and its
   * client certificate (`own/certs/echo-client.pem`), the one a machine's operator trusts on the
   * server. Shared by every machine, so that trusting Echo once per server is enough.
   */
  identityStore(pkiDir: string): Promise<OPCUACertificateManager> {
    return cached(this.identities, pkiDir, () => {
      // Its trust list is not used (each machine has its own), so nothing needs watching.
      return new OPCUACertificateManager({ rootFolder: pkiDir, disableFileWatchers: true });
    });
  }

  /**
   * One machine's trust folder (`trustDir`, in the machine's own folder): the server certificate
   * its operator pinned and nothing else. node-opcua checks the server's certificate against this
   * store when the secure channel opens; a store shared by every machine would let a certificate
   * pinned for one machine pass for another. It signs with Echo's identity key (no key of its own),
   * so the client certificate it makes on first use is Echo's one.
   */
  async machineStore(trustDir: string, pkiDir: string): Promise<OPCUACertificateManager> {
    const identity = await this.identityStore(pkiDir);
    return cached(this.trustStores, trustDir, () => {
      return new OPCUACertificateManager({
        rootFolder: trustDir,
        automaticallyAcceptUnknownCertificate: false,
        // Echo alone writes this folder, through this manager: its index is never stale.
        disableFileWatchers: true,
        privateKeyProvider: { getPrivateKey: () => identity.getPrivateKey() },
      });
    });
  }

  /** Releases every manager (node-opcua keeps timers and file handles per manager). */
  async dispose(): Promise<void> {
    const managers = [...this.trustStores.values(), ...this.identities.values()];
    this.trustStores.clear();
    this.identities.clear();
    await Promise.allSettled(managers.map(async (m) => (await m).dispose()));
  }
}

/**
 * Trusts `certificate` and removes every other certificate from the machine's trust folder: when
 * the operator pins a new certificate (the machine's was renewed), the old one is no longer
 * accepted.
 */
export async function trustOnly(store: OPCUACertificateManager, certificate: Buffer): Promise<void> {
  const keep = makeSHA1Thumbprint(certificate).toString('hex');
  for (const file of readdirSync(store.trustedFolder)) {
    let thumbprint: string;
    try {
      thumbprint = makeSHA1Thumbprint(readCertificate(join(store.trustedFolder, file))).toString('hex');
    } catch {
      continue; // Not a certificate: nothing node-opcua would accept either.
    }
    if (thumbprint !== keep) await store.removeTrustedCertificate(thumbprint);
  }
  await store.trustCertificate(certificate);
}

function cached(
  managers: Map<string, Promise<OPCUACertificateManager>>,
  folder: string,
  create: () => OPCUACertificateManager,
): Promise<OPCUACertificateManager> {
  let manager = managers.get(folder);
  if (!manager) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const created = create();
    manager = created.initialize().then(() => created);
    // A failed start is not kept: the next connect tries again.
    manager.catch(() => managers.delete(folder));
    managers.set(folder, manager);
  }
  return manager;
}
