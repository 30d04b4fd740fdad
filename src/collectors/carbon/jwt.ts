import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A compact JWS with HS256 (RFC 7515/7518) over `claims`: node:crypto only, no dependency. */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/** The API token Echo presents: `iss` the client id, `iat`/`exp` in seconds, a `jti` of its own. */
export function carbonToken(
  clientId: string,
  clientSecret: string,
  lifetimeSeconds: number,
  now = Date.now(),
) {
  const iat = Math.floor(now / 1000);
  return signHs256(
    { iss: clientId, iat, exp: iat + lifetimeSeconds, jti: randomBytes(8).toString('hex') },
    clientSecret,
  );
}

/** Verifies an HS256 token and returns its claims (the simulator's side); undefined when invalid. */
export function verifyHs256(token: string, secret: string): Record<string, unknown> | undefined {
  if (token.length > 4096) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, body, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'HS256') return undefined;
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
