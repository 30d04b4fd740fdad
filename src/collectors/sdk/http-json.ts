import type { z } from 'zod';
import { CollectorError } from './collector-error.ts';

export interface HttpJsonOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  /** Statuses that mean "nothing there" rather than failure (e.g. 404 for "no print job"). */
  emptyOn?: readonly number[];
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
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: options.signal,
    });
    text = await response.text();
  } catch (error) {
    if (options.signal.aborted) {
      throw options.signal.reason instanceof CollectorError
        ? options.signal.reason
        : new CollectorError('timeout', `${url}: no answer`, error);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CollectorError(
      'unreachable',
      `${url}: ${cause?.code ?? cause?.message ?? 'network error'}`,
      error,
    );
  }
  if (options.emptyOn?.includes(response.status)) return undefined;
  if (response.status === 401 || response.status === 403) {
    throw new CollectorError('auth', `${url}: the machine refused the credentials (${response.status})`);
  }
  if (!response.ok) throw new CollectorError('protocol', `${url}: answered ${response.status}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CollectorError('protocol', `${url}: the answer is not JSON`, error);
  }
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
