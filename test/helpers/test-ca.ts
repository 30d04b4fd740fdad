import { randomBytes, webcrypto } from 'node:crypto';
import { x509 } from 'node-opcua-crypto';

/**
 * A test PKI made in process (no `openssl` binary): a CA as a corporate inspecting proxy has, a
 * server certificate it signed for `127.0.0.1` and `localhost`, and an unrelated CA for the "wrong
 * CA" case. ECDSA P-256 keys, so that making them takes milliseconds; cached per process.
 */
export interface TestCa {
  /** The CA's certificate (PEM): what `cloud.ca_file` would name. */
  caPem: string;
  /** The CA's private key (PKCS#8 PEM), for a test that signs more. */
  caKeyPem: string;
  /** The server's private key (PKCS#8 PEM) and its certificate signed by the CA. */
  serverKeyPem: string;
  serverCertPem: string;
  /** Another CA's certificate: trusting it must not make the server trusted. */
  otherCaPem: string;
  /** The CA's subject CN, so a test can find it in an error message. */
  caCommonName: string;
  otherCaCommonName: string;
}

/** A cloud host name no DNS knows: the test proxy maps it to 127.0.0.1 (`startConnectProxy({ hosts })`). */
export const PROXY_ONLY_HOST = 'cloud.echo.test';

export const TEST_CA_COMMON_NAME = 'Echo Test Inspecting Proxy CA';
export const OTHER_CA_COMMON_NAME = 'Echo Test Unrelated CA';

const crypto = webcrypto as unknown as Crypto;
const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

let cached: Promise<TestCa> | undefined;

/** The process's test PKI (made at the first call, then the same). */
export function testCa(): Promise<TestCa> {
  cached ??= makeTestCa().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function makeTestCa(): Promise<TestCa> {
  const ca = await makeCa(TEST_CA_COMMON_NAME);
  const other = await makeCa(OTHER_CA_COMMON_NAME);
  const serverKeys = await generateKeys();
  const server = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: 'CN=127.0.0.1, O=Echo Tests',
      issuer: ca.cert.subjectName,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
      signingAlgorithm: algorithm,
      publicKey: serverKeys.publicKey,
      signingKey: ca.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
          // A name only the test proxy resolves (its `hosts`): a cloud this PC reaches only through it.
          { type: 'dns', value: PROXY_ONLY_HOST },
        ]),
        await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false, crypto),
      ],
    },
    crypto,
  );
  return {
    caPem: ca.cert.toString('pem'),
    caKeyPem: await keyPem(ca.keys.privateKey),
    serverKeyPem: await keyPem(serverKeys.privateKey),
    serverCertPem: server.toString('pem'),
    otherCaPem: other.cert.toString('pem'),
    caCommonName: TEST_CA_COMMON_NAME,
    otherCaCommonName: OTHER_CA_COMMON_NAME,
  };
}

async function makeCa(commonName: string): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=${commonName}, O=Echo Tests`,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 365 * DAY),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert, keys };
}

function generateKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A positive 16-byte serial number (hex). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}
