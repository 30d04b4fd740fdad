import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { z } from 'zod';
import { CollectorError } from './collector-error.ts';
import { networkError } from './network-error.ts';

const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/**
 * How a collector trusts a machine's TLS certificate. Machines on a shop floor present
 * self-signed certificates, so public CAs prove nothing: Echo pins the certificate's SHA-256
 * fingerprint (trust on first use, after the operator accepted it), or checks the chain against
 * the vendor's CA. Turning verification off is possible, explicit and logged.
 */
/** A SHA-256 certificate fingerprint as operators copy it (`AB:CD:…`, any case). */
export const sha256Fingerprint = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine((s) => FINGERPRINT.test(s), 'must be a SHA-256 fingerprint like "AB:CD:…" (32 hex pairs)');

export const tlsTrust = z
  .strictObject({
    fingerprint: sha256Fingerprint
      .optional()
      .describe('SHA-256 fingerprint of the machine certificate to pin (shown when Echo first meets it).'),
    ca_file: z
      .string()
      .min(1)
      .optional()
      .describe("PEM file of the vendor CA that signs the machine's certificate."),
    insecure: z
      .boolean()
      .default(false)
      .describe('Accept any certificate (traffic still encrypted, not authenticated). Not recommended.'),
  })
  .default({ insecure: false });

export type TlsTrust = z.output<typeof tlsTrust>;

export interface PinnedTlsOptions {
  host: string;
  port: number;
  trust: TlsTrust;
  /** With `ca_file`: the certificate's common name must equal this (Bambu: the serial number). */
  expectedName?: string;
  signal: AbortSignal;
}

/**
 * Opens a TLS connection and checks the machine's certificate before a single byte of the
 * application protocol (and so no password) is sent. An unknown or changed certificate is an
 * `untrusted_certificate` failure carrying the fingerprint, so the UI can offer to accept it.
 */
export async function connectPinnedTls(options: PinnedTlsOptions): Promise<TLSSocket> {
  const where = `${options.host}:${options.port}`;
  const socket = connect({
    host: options.host,
    port: options.port,
    ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
    // Checked below, once the handshake is done, against the pin or the vendor CA.
    rejectUnauthorized: false,
    ...(options.trust.ca_file ? { ca: readCa(options.trust.ca_file) } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(options.signal.reason ?? new Error('aborted'));
      options.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        options.signal.removeEventListener('abort', onAbort);
        resolve();
      });
      socket.once('error', (error) => {
        options.signal.removeEventListener('abort', onAbort);
        reject(error);
      });
    });
    verify(socket, options, where);
    return socket;
  } catch (error) {
    socket.destroy();
    throw networkError(where, error, options.signal);
  }
}

function verify(socket: TLSSocket, options: PinnedTlsOptions, where: string): void {
  const { trust } = options;
  if (trust.insecure) return;
  const certificate = socket.getPeerCertificate();
  const presented = certificate.fingerprint256;
  const details = {
    fingerprint: presented,
    subject: certificate.subject?.CN,
    valid_to: certificate.valid_to,
  };
  if (trust.fingerprint) {
    if (presented === trust.fingerprint) return;
    throw new CollectorError(
      'untrusted_certificate',
      `${where}: the machine's certificate changed (pinned ${trust.fingerprint}, presented ${presented}); ` +
        'if the machine was replaced or reset, check and accept the new one (connection.tls.fingerprint)',
      undefined,
      details,
    );
  }
  if (trust.ca_file) {
    if (!socket.authorized) {
      throw new CollectorError(
        'untrusted_certificate',
        `${where}: the certificate is not signed by the CA in ${trust.ca_file} (${String(socket.authorizationError)})`,
        undefined,
        details,
      );
    }
    if (options.expectedName && certificate.subject?.CN !== options.expectedName) {
      throw new CollectorError(
        'untrusted_certificate',
        `${where}: the certificate is for "${certificate.subject?.CN}", not "${options.expectedName}"`,
        undefined,
        details,
      );
    }
    return;
  }
  throw new CollectorError(
    'untrusted_certificate',
    `${where}: the machine presented a certificate Echo does not know yet (SHA-256 ${presented}); ` +
      'compare it with the machine and accept it: set connection.tls.fingerprint to this value',
    undefined,
    details,
  );
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CollectorError('untrusted_certificate', `cannot read connection.tls.ca_file ${path}`, error);
  }
}
