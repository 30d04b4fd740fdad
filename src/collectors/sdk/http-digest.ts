import { createHash, randomBytes } from 'node:crypto';

/** A `WWW-Authenticate: Digest …` challenge (RFC 7616), the fields a client answers with. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm?: string;
  /** `true` when the server refused an expired nonce, not the credentials (RFC 7616 §3.3). */
  stale?: boolean;
}

/** The longest header read: a real challenge or answer is a few hundred bytes. */
const MAX_HEADER = 4096;

const isSpace = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * The `key=value` parameters of a `Digest …` header (a challenge, or a client's `Authorization`),
 * in one pass over the text, no regular expression over machine text: keys lower-cased, quoted
 * values unquoted (`\"` and `\\` unescaped), spaces and tabs around `=` and `,` allowed.
 * Undefined when the header is not Digest or is longer than a real one.
 */
export function parseDigestParams(header: string | undefined): Map<string, string> | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  const text = header.trim();
  if (text.slice(0, 6).toLowerCase() !== 'digest' || !isSpace(text[6])) return undefined;
  const fields = new Map<string, string>();
  let i = 7;
  while (i < text.length) {
    while (i < text.length && (isSpace(text[i]) || text[i] === ',')) i++;
    const keyStart = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',') i++;
    const key = text.slice(keyStart, i).trim().toLowerCase();
    if (text[i] !== '=') continue;
    i++;
    while (isSpace(text[i])) i++;
    let value: string;
    if (text[i] === '"') {
      i++;
      const parts: string[] = [];
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        parts.push(text[i]!);
        i++;
      }
      i++;
      value = parts.join('');
      // Anything between the closing quote and the next comma is not part of a value.
      while (i < text.length && text[i] !== ',') i++;
    } else {
      const start = i;
      while (i < text.length && text[i] !== ',') i++;
      value = text.slice(start, i).trim();
    }
    if (key && !fields.has(key)) fields.set(key, value);
  }
  return fields;
}

/**
 * Reads a Digest challenge: `Digest realm="x", nonce="y", qop="auth", algorithm=MD5`. Undefined
 * when it is not Digest or lacks realm or nonce.
 */
export function parseDigestChallenge(header: string | undefined): DigestChallenge | undefined {
  const fields = parseDigestParams(header);
  const realm = fields?.get('realm');
  const nonce = fields?.get('nonce');
  if (!fields || realm === undefined || nonce === undefined) return undefined;
  const qop = fields.get('qop');
  const opaque = fields.get('opaque');
  const algorithm = fields.get('algorithm');
  return {
    realm,
    nonce,
    ...(qop !== undefined ? { qop } : {}),
    ...(opaque !== undefined ? { opaque } : {}),
    ...(algorithm !== undefined ? { algorithm } : {}),
    ...(fields.get('stale')?.toLowerCase() === 'true' ? { stale: true } : {}),
  };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * The `response` of a Digest answer with MD5 (RFC 7616 §3.4.1; RFC 2617 §3.2.2.1 without qop):
 * `nc` is the 8-hex-digit count as sent, `qop` `auth` or absent.
 */
export function digestResponse(input: {
  username: string;
  password: string;
  realm: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}): string {
  const ha1 = md5(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = md5(`${input.method}:${input.uri}`);
  return input.qop === 'auth'
    ? md5(`${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`)
    : md5(`${ha1}:${input.nonce}:${ha2}`);
}

/**
 * The `Authorization` header answering `challenge` (MD5, `qop=auth` when offered: what printers'
 * embedded servers ask; RFC 7616 §3.4). `nc` counts the requests made with this nonce.
 */
export function digestAuthorization(
  challenge: DigestChallenge,
  request: { username: string; password: string; method: string; uri: string; nc: number; cnonce?: string },
): string {
  const algorithm = (challenge.algorithm ?? 'MD5').toUpperCase();
  if (algorithm !== 'MD5')
    throw new Error(`Digest algorithm ${challenge.algorithm} is not supported (only MD5)`);
  const quote = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;
  const parts = [
    `username=${quote(request.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
  ];
  const base = {
    username: request.username,
    password: request.password,
    realm: challenge.realm,
    method: request.method,
    uri: request.uri,
    nonce: challenge.nonce,
  };
  const offersAuth = challenge.qop?.split(',').some((q) => q.trim() === 'auth');
  if (offersAuth) {
    const nc = request.nc.toString(16).padStart(8, '0');
    const cnonce = request.cnonce ?? randomBytes(8).toString('hex');
    const response = digestResponse({ ...base, qop: 'auth', nc, cnonce });
    parts.push('qop=auth', `nc=${nc}`, `cnonce=${quote(cnonce)}`, `response=${quote(response)}`);
  } else {
    parts.push(`response=${quote(digestResponse(base))}`);
  }
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  parts.push(`algorithm=MD5`);
  return `Digest ${parts.join(', ')}`;
}
