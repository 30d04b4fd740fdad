import type { z } from 'zod';
import type { CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { getJson, httpPools, parseJsonReply } from '../sdk/http-json.ts';
import { basicAuth, httpSend, type SendBody } from '../sdk/http-send.ts';
import type { PhotocentricJeniConnection } from './config.ts';

/** The cell's HTTP API (assumed, see protocol.ts): GETs through the SDK, writes through `httpSend`. */
export class JeniApi {
  readonly base: string;

  constructor(
    connection: PhotocentricJeniConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.base = `${connection.scheme}://${connection.host}:${connection.port}/api/v1`;
  }

  get<T extends z.ZodType>(path: string, schema: T, signal: AbortSignal, emptyOn: readonly number[] = []) {
    return getJson(`${this.base}${path}`, schema, {
      signal,
      pools: httpPools(this.ctx.shared),
      maxBodyBytes: this.ctx.limits.maxMessageBytes,
      headers: basicAuth(this.ctx.credentials),
      emptyOn,
    });
  }

  /** A POST whose answer must be 2xx and match `schema`; a refusal names the cell's words. */
  async post<T extends z.ZodType>(
    path: string,
    schema: T,
    signal: AbortSignal,
    body?: SendBody,
  ): Promise<z.infer<T>> {
    const url = `${this.base}${path}`;
    const { status, text } = await httpSend('POST', url, {
      signal,
      pools: httpPools(this.ctx.shared),
      headers: basicAuth(this.ctx.credentials),
      maxBodyBytes: this.ctx.limits.maxMessageBytes,
      ...(body ? { body } : {}),
    });
    if (status >= 400 && status !== 401 && status !== 403) {
      throw new CollectorError(
        'protocol',
        `${url}: the cell refused it: answered ${status} ${text.slice(0, 200)}`,
      );
    }
    return parseJsonReply(url, status, text, schema)!;
  }
}
