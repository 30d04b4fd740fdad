import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { type DigestChallenge, digestAuthorization, parseDigestChallenge } from '../sdk/http-digest.ts';
import { type HttpPools, httpPools, parseJsonReply } from '../sdk/http-json.ts';
import { httpRequest, type SendBody } from '../sdk/http-request.ts';

/** What Echo reads of an answer to a write (a short JSON message): more is refused. */
const MAX_WRITE_REPLY_BYTES = 1024 * 1024;
/** How often the key's approval is checked while the operator has not answered. */
const CHECK_INTERVAL_MS = 1000;

/** The secret-store entries (per machine, see `CollectorContext.secrets`). */
const SECRET_ID = 'application_id';
const SECRET_KEY = 'application_key';
/** `pending` (asked, not yet approved) or `authorized`. */
const SECRET_STATE = 'application_state';

export const APPLICATION = 'Echo';

export interface ApplicationKey {
  id: string;
  key: string;
}

export interface Reply {
  status: number;
  text: string;
  /** The `WWW-Authenticate` header of a 401. */
  challenge?: string;
}

export type Body = SendBody;

const authRequestReply = z.object({ id: z.string().min(1).max(512), key: z.string().min(1).max(512) });
const authCheckReply = z.object({ message: z.string().max(256) });

/**
 * The printer's write side (Ultimaker local API v1): requests signed with HTTP Digest (the
 * application id as user name, its key as password), and the application key itself, asked of the
 * printer and approved by the operator on its screen, kept in Echo's secret store.
 */
export class UltimakerWriteApi {
  private challenge: DigestChallenge | undefined;
  private nc = 0;
  private readonly pools: HttpPools;

  constructor(
    private readonly base: string,
    private readonly ctx: CollectorContext,
  ) {
    this.pools = httpPools(ctx.shared);
  }

  /** The stored key, when the printer has approved it. */
  private approved(): ApplicationKey | undefined {
    const { secrets } = this.ctx;
    const id = secrets.get(SECRET_ID);
    const key = secrets.get(SECRET_KEY);
    return id && key && secrets.get(SECRET_STATE) === 'authorized' ? { id, key } : undefined;
  }

  /** Forgets the key (the printer refused it, or its request was refused or forgotten). */
  forget(): void {
    this.ctx.secrets.delete(SECRET_ID);
    this.ctx.secrets.delete(SECRET_KEY);
    this.ctx.secrets.delete(SECRET_STATE);
    this.challenge = undefined;
  }

  /**
   * An approved application key: the stored one, or a new one asked of the printer and approved
   * by the operator on its screen (checked every second until approved, refused, or `signal`).
   * `asked` says the operator was involved: time passed, the printer's state may have changed.
   */
  async key(signal: AbortSignal): Promise<{ key: ApplicationKey; asked: boolean }> {
    const stored = this.approved();
    if (stored) return { key: stored, asked: false };
    const { secrets, logger } = this.ctx;
    const pendingId = secrets.get(SECRET_ID);
    const pendingKey = secrets.get(SECRET_KEY);
    if (pendingId && pendingKey) {
      // Asked before (a command that timed out waiting): approved since?
      const answer = await this.check(pendingId, signal);
      if (answer === 'authorized') {
        secrets.set(SECRET_STATE, 'authorized');
        logger.info({}, 'the printer approved Echo (application key requested earlier)');
        return { key: { id: pendingId, key: pendingKey }, asked: true };
      }
      // Refused, or the printer no longer knows it (restarted, expired): ask again.
      this.forget();
    }
    const requested = await this.request(signal);
    secrets.set(SECRET_ID, requested.id);
    secrets.set(SECRET_KEY, requested.key);
    secrets.set(SECRET_STATE, 'pending');
    logger.warn(
      {},
      `approve Echo on the printer's screen: Echo asked the printer for an application key (application "${APPLICATION}")`,
    );
    const notInTime = () =>
      // Kept pending: an approval given after this command gave up serves the next one.
      new CollectorError(
        'auth',
        `${this.base}: Echo's access request was not approved in time: approve Echo on the printer's screen, then send the command again`,
      );
    while (true) {
      if (signal.aborted) throw notInTime();
      let answer: Awaited<ReturnType<UltimakerWriteApi['check']>>;
      try {
        answer = await this.check(requested.id, signal);
      } catch (error) {
        if (signal.aborted) throw notInTime();
        throw error;
      }
      if (answer === 'authorized') {
        secrets.set(SECRET_STATE, 'authorized');
        logger.info({}, 'the printer approved Echo: its application key is kept in the secret store');
        return { key: requested, asked: true };
      }
      if (answer === 'unauthorized') {
        this.forget();
        throw new CollectorError(
          'auth',
          `${this.base}: the operator refused Echo's access request on the printer's screen; nothing was sent (the next command asks again)`,
        );
      }
      // 'unknown': no answer yet.
      await sleep(CHECK_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  /** `POST /auth/request` (form fields `application`, `user`): a new id and key, not yet approved. */
  private async request(signal: AbortSignal): Promise<ApplicationKey> {
    const form = new URLSearchParams({ application: APPLICATION, user: `Echo@${hostname()}` });
    const url = `${this.base}/auth/request`;
    const reply = await this.send('POST', '/auth/request', signal, {
      contentType: 'application/x-www-form-urlencoded',
      data: Buffer.from(form.toString(), 'utf8'),
    });
    return parseJsonReply(url, reply.status, reply.text, authRequestReply)!;
  }

  /** `GET /auth/check/<id>`: `authorized`, `unauthorized`, or `unknown` (no answer yet). */
  private async check(id: string, signal: AbortSignal): Promise<'authorized' | 'unauthorized' | 'unknown'> {
    const path = `/auth/check/${encodeURIComponent(id)}`;
    const reply = await this.send('GET', path, signal);
    // A printer that no longer knows the id may answer 404 rather than `unknown`.
    const answer = parseJsonReply(`${this.base}${path}`, reply.status, reply.text, authCheckReply, [404]);
    const message = answer?.message;
    return message === 'authorized' || message === 'unauthorized' ? message : 'unknown';
  }

  /**
   * A request signed with `key`: with the last challenge when there is one; a 401 is answered
   * once with its fresh challenge (a first request, or an expired nonce). A 401 after that is
   * returned: the printer refused the key itself.
   */
  async signed(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    key: ApplicationKey,
    signal: AbortSignal,
    body?: Body,
  ): Promise<Reply> {
    const uri = new URL(`${this.base}${path}`).pathname;
    for (let attempt = 0; ; attempt++) {
      let authorization: string | undefined;
      if (this.challenge) {
        try {
          authorization = digestAuthorization(this.challenge, {
            username: key.id,
            password: key.key,
            method,
            uri,
            nc: ++this.nc,
          });
        } catch (error) {
          throw new CollectorError('protocol', `${this.base}${path}: ${(error as Error).message}`);
        }
      }
      const reply = await this.send(method, path, signal, body, authorization);
      if (reply.status !== 401) return reply;
      const fresh = parseDigestChallenge(reply.challenge);
      if (!fresh) {
        throw new CollectorError('protocol', `${this.base}${path}: answered 401 without a Digest challenge`);
      }
      this.challenge = fresh;
      this.nc = 0;
      if (attempt >= 1) return reply;
    }
  }

  /** One HTTP request to the printer, its answer read bounded; network failures as CollectorError. */
  private async send(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    signal: AbortSignal,
    body?: Body,
    authorization?: string,
  ): Promise<Reply> {
    const url = `${this.base}${path}`;
    const reply = await httpRequest(method, url, {
      signal,
      pools: this.pools,
      ...(authorization ? { headers: { authorization } } : {}),
      ...(body ? { body } : {}),
      maxBodyBytes: Math.min(this.ctx.limits.maxMessageBytes, MAX_WRITE_REPLY_BYTES),
      where: `${method} ${new URL(url).href}`,
    });
    const challenge = reply.headers['www-authenticate'];
    return {
      status: reply.status,
      text: reply.text,
      ...(typeof challenge === 'string' ? { challenge } : {}),
    };
  }
}
