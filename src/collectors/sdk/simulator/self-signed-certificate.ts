import { X509Certificate } from 'node:crypto';
import {
  CertificatePurpose,
  createSelfSignedCertificate,
  generatePrivateKey,
  privateKeyToPEM,
} from 'node-opcua-crypto';

export interface SelfSignedCertificate {
  cert: string;
  key: string;
  /** As Node's `X509Certificate.fingerprint256` writes it: `AB:CD:…`. */
  fingerprint256: string;
}

/**
 * A self-signed certificate, made in-process (no openssl needed), as the TLS simulators present:
 * printers on a shop floor carry exactly this kind of certificate. node-opcua's crypto package is
 * already here for OPC UA, so it makes these too.
 */
export async function selfSignedCertificate(commonName: string): Promise<SelfSignedCertificate> {
  const privateKey = await generatePrivateKey(2048);
  const { privPem } = await privateKeyToPEM(privateKey);
  const { cert } = await createSelfSignedCertificate({
    privateKey,
    subject: `/CN=${commonName}`,
    dns: ['localhost'],
    ip: ['127.0.0.1'],
    validity: 3650,
    purpose: CertificatePurpose.ForApplication,
  });
  return { cert, key: privPem, fingerprint256: new X509Certificate(cert).fingerprint256 };
}
