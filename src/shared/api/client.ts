import type { ApiErrorCode } from '../errors.ts';
import { ENDPOINTS } from './endpoints.ts';
import { fillPath } from './paths.ts';
import type { RouteRequest, RouteResponse } from './route-spec.ts';
import type { RouteName, Routes } from './routes.ts';

/**
 * A refusal from the local API: its status and the stable code and message of its error body
 * (`code` undefined when the answer had no error body: a proxy's page, a dropped connection).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  /** `http://127.0.0.1:<port>` from api.json; empty in the operator UI (same origin). */
  baseUrl: string;
  token: string;
  /** Another fetch (tests); the global one by default, in the browser as in Node. */
  fetch?: typeof fetch;
}

/** The arguments of a call: none when the route takes nothing, else its params, query and body. */
type CallArgs<N extends RouteName> =
  Record<string, never> extends RouteRequest<Routes[N]>
    ? [request?: RouteRequest<Routes[N]>]
    : [request: RouteRequest<Routes[N]>];

/** The routes whose answer is not JSON (a stream, a zip): `open` reads them, not `call`. */
export type RawRouteName = {
  [N in RouteName]: Routes[N] extends { contentType: string } ? N : never;
}[RouteName];

/** What `open` adds to its request: an abort signal, the `accept` header. */
export interface OpenOptions {
  signal?: AbortSignal;
  accept?: string;
}

/** The arguments of `open`: the route's request (none when it takes nothing), then its options. */
type OpenArgs<N extends RouteName> =
  Record<string, never> extends RouteRequest<Routes[N]>
    ? [request?: RouteRequest<Routes[N]>, options?: OpenOptions]
    : [request: RouteRequest<Routes[N]>, options?: OpenOptions];

export interface ApiClient {
  /** Calls a route of the table by name; resolves to its JSON (undefined for 204), throws ApiError. */
  call<N extends RouteName>(name: N, ...args: CallArgs<N>): Promise<RouteResponse<Routes[N]>>;
  /**
   * Opens a route whose answer is not JSON (server-sent events, the diagnostics zip): its
   * `Response` as it comes, whatever its status (the caller reads the body and the refusals).
   */
  open<N extends RawRouteName>(name: N, ...args: OpenArgs<N>): Promise<Response>;
}

/** The query string of a call: the parameters given, in the order given. */
function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * A typed client of the local API over fetch: the route table types each call, ENDPOINTS gives
 * its method and path (no zod at run time: the UI's bundle stays small).
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const send = (
    name: RouteName,
    request: { params?: unknown; query?: unknown; body?: unknown },
    extra: OpenOptions = {},
  ): Promise<Response> => {
    const spec = ENDPOINTS[name];
    const path =
      fillPath(spec, request.params as Record<string, unknown> | undefined) +
      queryString(request.query as Record<string, unknown> | undefined);
    return doFetch(`${options.baseUrl}${path}`, {
      method: spec.method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(extra.accept !== undefined ? { accept: extra.accept } : {}),
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      ...(extra.signal !== undefined ? { signal: extra.signal } : {}),
    });
  };
  return {
    async call(name, ...args) {
      const response = await send(name, args[0] ?? {});
      const text = response.status === 204 ? '' : await response.text();
      const parsed = text ? (JSON.parse(text) as unknown) : undefined;
      if (!response.ok) {
        const error = (parsed as { error?: { code?: ApiErrorCode; message?: string } } | undefined)?.error;
        throw new ApiError(
          response.status,
          error?.code,
          error?.message ?? `the agent answered ${response.status}`,
        );
      }
      // The core checks its answers against the same table (in tests); the client trusts them.
      return parsed as RouteResponse<Routes[typeof name]>;
    },
    open(name, ...args) {
      return send(name, args[0] ?? {}, args[1]);
    },
  };
}
