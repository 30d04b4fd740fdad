import { describeError } from '../../../shared/errors.ts';

/** TLS verification codes that mean "signed by a CA this PC does not trust" (an inspecting proxy's). */
const UNTRUSTED_ISSUER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

export function isUntrustedIssuer(code: string | undefined): boolean {
  return code !== undefined && UNTRUSTED_ISSUER.has(code);
}

/** The TLS error code of a failed fetch, wherever undici put it. */
export function tlsErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (isUntrustedIssuer(code) || /CERT|TLS/.test(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** "the certificate was issued by …, which Echo does not trust: set cloud.ca_file" */
export function untrustedInWords(issuer: string | undefined, code: string): string {
  const by = issuer
    ? `the certificate was issued by ${issuer}`
    : `the certificate is signed by an unknown authority (${code})`;
  return `${by}, which Echo does not trust: set cloud.ca_file to that CA's PEM file (or cloud.use_system_ca: true when the PC trusts it)`;
}

/**
 * Why a request to the cloud did not get an answer, in words: the innermost cause undici gives
 * (ECONNREFUSED, ENOTFOUND …), a proxy's refusal of the tunnel (407: credentials), a timeout.
 */
export function transportReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer (timed out)';
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const next = (current as { cause?: unknown }).cause;
    if (!(next instanceof Error)) break;
    current = next;
  }
  const text = describeError(current);
  // undici says a refused CONNECT as "Proxy response (407) !== 200 when HTTP Tunneling".
  const status = /Proxy response \((\d{3})\)/.exec(text);
  if (status?.[1] === '407')
    return 'the proxy wants credentials (407): set cloud.proxy.username and password_ref';
  if (status) return `the proxy refused the tunnel (${status[1]})`;
  return text;
}
