import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultPlan } from './schemas.ts';
import type { EmulatorState, EmulatorUser } from './state.ts';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  state: EmulatorState;
  /** The authenticated user, or undefined. */
  user: EmulatorUser | undefined;
  /** How the request authenticated: an operator's session cookie or an API token (Basic). */
  via: 'session' | 'token' | undefined;
  faults: FaultPlan;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** Routes that answer without credentials (the probe, the login). */
  public?: boolean;
  handle(ctx: RouteContext): Promise<void> | void;
}

/**
 * Applies `?filter[field]=value` filters and `page[offset]`/`page[limit]` to a list. A dotted field
 * filters on a nested one (`filter[meta.echo_capture_id]`).
 */
export function listResources<T extends Record<string, unknown>>(items: T[], query: URLSearchParams) {
  let resources = items;
  for (const [key, value] of query) {
    const match = /^filter\[(.+)\]$/.exec(key);
    if (match) resources = resources.filter((item) => String(fieldAt(item, match[1]!)) === value);
  }
  const total = resources.length;
  const offset = Number(query.get('page[offset]') ?? 0);
  const limit = Number(query.get('page[limit]') ?? 1000);
  return { resources: resources.slice(offset, offset + limit), total_count: total };
}

function fieldAt(item: Record<string, unknown>, path: string): unknown {
  if (path in item) return item[path];
  let value: unknown = item;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
