import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { digestResponse, parseDigestParams } from '../../sdk/http-digest.ts';
import { json, parseForm, readBody, tooLarge } from './http-body.ts';

/** The printer's Digest realm (its local API server calls itself "Jedi"). */
export const REALM = 'Jedi-API';

/** The largest authentication request read (two short form fields). */
export const MAX_FORM_BYTES = 4096;

interface ApplicationEntry {
  key: string;
  application: string;
  user: string;
  status: 'pending' | 'authorized' | 'refused';
}

/**
 * The printer's application keys, as its write API hands them out: `POST /auth/request`, the
 * operator's answer on the screen, `GET /auth/check/<id>`, `GET /auth/verify`, and the HTTP Digest
 * check (MD5, qop=auth, nonces with increasing `nc`) of every write.
 */
export class PrinterKeys {
  /** Application keys asked for (`POST /auth/request`). */
  authRequests = 0;
  /** Writes refused with a 401 (no, stale or wrong Digest answer). */
  unauthorizedWrites = 0;
  private readonly applications = new Map<string, ApplicationEntry>();
  /** Nonces handed out, with the highest `nc` used with each (a replay is refused). */
  private readonly nonces = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly autoApproveMs: number | undefined) {}

  get pending(): number {
    return [...this.applications.values()].filter((a) => a.status === 'pending').length;
  }

  issued(): string[] {
    return [...this.applications.values()].map((a) => a.key);
  }

  revoke(): void {
    for (const [id, entry] of this.applications)
      if (entry.status === 'authorized') this.applications.delete(id);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  /** `POST /auth/request`: a new id and key, pending until the operator answers. */
  async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_FORM_BYTES);
    if (!body) return tooLarge(res);
    const form = parseForm(body, req.headers['content-type']);
    const application = form.get('application');
    const user = form.get('user');
    if (!application || !user) return json(res, 400, { message: 'application and user are required' });
    this.authRequests++;
    const id = randomBytes(16).toString('hex');
    const key = randomBytes(32).toString('hex');
    this.applications.set(id, { key, application, user, status: 'pending' });
    if (this.autoApproveMs !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const entry = this.applications.get(id);
        if (entry?.status === 'pending') entry.status = 'authorized';
      }, this.autoApproveMs);
      this.timers.add(timer);
    }
    return json(res, 200, { id, key });
  }

  decidePending(status: 'authorized' | 'refused'): number {
    let decided = 0;
    for (const entry of this.applications.values()) {
      if (entry.status !== 'pending') continue;
      entry.status = status;
      decided++;
    }
    return decided;
  }

  /** `GET /auth/check/<id>` and `GET /auth/verify`. */
  get(req: IncomingMessage, res: ServerResponse, path: string): void {
    const checkPrefix = '/api/v1/auth/check/';
    if (path.startsWith(checkPrefix)) {
      const entry = this.applications.get(decodeURIComponent(path.slice(checkPrefix.length)));
      // Waiting for the operator, or an id the printer does not know: both "unknown".
      const message =
        entry?.status === 'authorized'
          ? 'authorized'
          : entry?.status === 'refused'
            ? 'unauthorized'
            : 'unknown';
      json(res, 200, { message });
      return;
    }
    if (path === '/api/v1/auth/verify') {
      if (this.authenticated(req, 'GET')) json(res, 200, { message: 'ok' });
      else this.challenge(res);
      return;
    }
    json(res, 404, { message: 'Not found' });
  }

  /** Whether the request carries a correct Digest answer (MD5, qop=auth) with an approved key. */
  authenticated(req: IncomingMessage, method: string): boolean {
    const fields = parseDigestParams(req.headers.authorization);
    if (!fields) return false;
    const id = fields.get('username') ?? '';
    const entry = this.applications.get(id);
    const nonce = fields.get('nonce') ?? '';
    const lastNc = this.nonces.get(nonce);
    const ncText = fields.get('nc') ?? '';
    const nc = Number.parseInt(ncText, 16);
    if (
      entry?.status !== 'authorized' ||
      fields.get('realm') !== REALM ||
      fields.get('qop') !== 'auth' ||
      fields.get('uri') !== req.url ||
      lastNc === undefined ||
      !(nc > lastNc)
    ) {
      return false;
    }
    const expected = digestResponse({
      username: id,
      password: entry.key,
      realm: REALM,
      method,
      uri: req.url ?? '',
      nonce,
      qop: 'auth',
      nc: ncText,
      cnonce: fields.get('cnonce') ?? '',
    });
    if (fields.get('response') !== expected) return false;
    this.nonces.set(nonce, nc);
    return true;
  }

  /** A 401 with a fresh nonce (the last 64 stay valid). */
  challenge(res: ServerResponse): void {
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, 0);
    if (this.nonces.size > 64) this.nonces.delete(this.nonces.keys().next().value!);
    res
      .writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Digest realm="${REALM}", nonce="${nonce}", qop="auth", algorithm=MD5`,
        connection: 'close',
      })
      .end(JSON.stringify({ message: 'Authorization required' }));
  }
}
