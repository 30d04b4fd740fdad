/**
 * Plain `http://` to the cloud sends the api token (Basic auth) and every capture unencrypted.
 * Loopback is the exception: the traffic never leaves the PC, and the tests, the demo and the
 * cloud emulator all run on http://127.0.0.1, so it needs no flag.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  // 127.0.0.0/8; the URL parser has already normalized the address to dotted decimal.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True for an `http://` URL that leaves the PC (what `cloud.allow_insecure_http` must allow). */
export function isInsecureRemoteHttp(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // not a URL at all: the schema's own URL check reports it
  }
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname);
}

/** The validation message, naming the fix (the field path is added by the caller). */
export const INSECURE_HTTP_MESSAGE =
  'plain http:// would send the cloud credential and data unencrypted; use https://, or set cloud.allow_insecure_http: true for a lab network (loopback addresses such as http://127.0.0.1 need no flag)';
