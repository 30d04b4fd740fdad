import type { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_BYTES } from './bounded-body.ts';
import { CollectorError } from './collector-error.ts';
import type { HttpPools } from './http-pools.ts';
import { httpRequest } from './http-request.ts';

export { HttpPools, httpPools } from './http-pools.ts';

import { parseMachineJson } from './machine-json.ts';

export interface HttpJsonOptions {
  signal: AbortSignal;
  /** The collection's keep-alive pools: `httpPools(ctx.shared)`. */
  pools: HttpPools;
  headers?: Record<string, string>;
  /** Statuses that mean "nothing there" rather than failure (e.g. 404 for "no print job"). */
  emptyOn?: readonly number[];
  /** The largest body read (`CollectorContext.limits.maxMessageBytes`); default 16 MB. */
  maxBodyBytes?: number;
}

/**
 * The body of a GET, as text, read up to `maxBodyBytes` (the request is aborted past it); network
 * failures mapped to `CollectorError` kinds.
 */
export async function httpGet(
  url: string,
  options: {
    signal: AbortSignal;
    pools: HttpPools;
    headers?: Record<string, string>;
    maxBodyBytes?: number;
  },
): Promise<{ status: number; text: string }> {
  const { status, text } = await httpRequest('GET', url, {
    ...options,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  });
  return { status, text };
}

/**
 * GETs a JSON document from a machine and validates it: the one place where an HTTP machine's
 * failures become `CollectorError` kinds (refused or unroutable: unreachable; abort: timeout;
 * 401/403: auth; anything else odd, including a body that is not what the schema says: protocol).
 */
export async function getJson<T extends z.ZodType>(
  url: string,
  schema: T,
  options: HttpJsonOptions,
): Promise<z.infer<T> | undefined> {
  const { status, text } = await httpGet(url, options);
  return parseJsonReply(url, status, text, schema, options.emptyOn);
}

/** Checks a machine's HTTP reply and validates its JSON body: the shared half of every HTTP collector. */
export function parseJsonReply<T extends z.ZodType>(
  url: string,
  status: number,
  text: string,
  schema: T,
  emptyOn: readonly number[] = [],
): z.infer<T> | undefined {
  if (emptyOn.includes(status)) return undefined;
  if (status === 401 || status === 403) {
    throw new CollectorError('auth', `${url}: the machine refused the credentials (${status})`);
  }
  if (status < 200 || status >= 300) throw new CollectorError('protocol', `${url}: answered ${status}`);
  const parsed = parseMachineJson(text, url);
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new CollectorError('protocol', `${url}: unexpected answer (${detail})`);
  }
  return result.data;
}
