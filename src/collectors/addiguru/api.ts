import type { z } from 'zod';
import type { CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { getJson, httpPools, parseJsonReply } from '../sdk/http-json.ts';
import { httpSend } from '../sdk/http-send.ts';
import { loginReply, PATHS } from './assumed-api.ts';
import type { AddiguruConnection } from './config.ts';

/**
 * The hub's HTTP API (assumed, see assumed-api.ts): a token from a login, kept in memory and
 * renewed when it expires or the hub answers 401; every answer read bounded and validated.
 */
export class AddiguruApi {
  readonly base: string;
  private token: { value: string; until: number } | undefined;

  constructor(
    connection: AddiguruConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.base = `http://${connection.host}:${connection.port}${connection.base_path}`;
  }

  forget(): void {
    this.token = undefined;
  }

  /** A GET with the token; a 401 logs in again once (the hub may have restarted or expired it). */
  async get<T extends z.ZodType>(
    path: string,
    schema: T,
    signal: AbortSignal,
    emptyOn: readonly number[] = [],
  ): Promise<z.infer<T> | undefined> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.login(signal);
      try {
        return await getJson(`${this.base}${path}`, schema, {
          signal,
          pools: httpPools(this.ctx.shared),
          maxBodyBytes: this.ctx.limits.maxMessageBytes,
          headers: { authorization: `Bearer ${token}` },
          emptyOn,
        });
      } catch (error) {
        if (attempt > 0 || !(error instanceof CollectorError) || error.failure !== 'auth') throw error;
        this.token = undefined;
      }
    }
  }

  /** The token, from the login when there is none or it expires within a minute. */
  private async login(signal: AbortSignal): Promise<string> {
    if (this.token && performance.now() < this.token.until) return this.token.value;
    const { username, password } = this.ctx.credentials;
    if (!username || !password) {
      throw new CollectorError(
        'auth',
        'the Addiguru hub needs a user: set credentials.username and credentials.password_ref',
      );
    }
    const url = `${this.base}${PATHS.login}`;
    const { status, text } = await httpSend('POST', url, {
      signal,
      pools: httpPools(this.ctx.shared),
      body: { contentType: 'application/json', data: Buffer.from(JSON.stringify({ username, password })) },
    });
    if (status === 401 || status === 403) {
      throw new CollectorError(
        'auth',
        `the Addiguru hub refused the user "${username}" (${status}): check credentials.username and credentials.password_ref`,
      );
    }
    const reply = parseJsonReply(url, status, text, loginReply)!;
    const seconds = reply.expires_in ?? 3600;
    this.token = { value: reply.token, until: performance.now() + Math.max(0, seconds - 60) * 1000 };
    return reply.token;
  }
}
