import { z } from 'zod';
import type { ApiErrorCode } from '../errors.ts';

/** What one endpoint of the local API is: the row type of the route table (routes.ts). */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * OpenAPI style: `/api/v1/machines/{name}`. `{name*}` takes the rest of the path as it is
   * (slashes included, not decoded: the UI's file names); other parameters are one %-escaped segment.
   */
  path: string;
  summary: string;
  /** False for the few public endpoints (health, readiness, the OpenAPI document, the UI). */
  auth: boolean;
  /** Path parameters; a segment its schema refuses is not this route (404, as for any unknown path). */
  params?: z.ZodObject;
  /** Query parameters (each its first value, as a string). */
  query?: z.ZodObject;
  /** The JSON body; no schema means the body is not read. */
  body?: z.ZodType;
  /**
   * The schema for a body by its shape, where one schema per variant names the wrong field better
   * than a union's "invalid input" (sign-in: password or API token). `body` still documents it.
   */
  pickBody?: (raw: unknown) => z.ZodType;
  /** Replaces zod's words for a key the body schema does not have (the route knows the fix). */
  unknownKey?: string;
  /** The status of a success. */
  status: 200 | 201 | 204 | 302;
  /** The JSON answer's schema; absent for 204 and for the non-JSON answers below. */
  response?: z.ZodType;
  /**
   * Other statuses that answer the same JSON schema, with what they mean (readiness: 503 while
   * not ready). Not errors: an error answers `{error: {code, message}}` with one of `errors`.
   */
  otherStatuses?: Readonly<Record<number, string>>;
  /** A non-JSON answer (server-sent events, a zip, Prometheus text, the UI's files). */
  contentType?: string;
  /** Server-sent events: each event's name and the schema of its JSON `data`. */
  events?: Readonly<Record<string, z.ZodType>>;
  /** The codes this endpoint itself may answer (the dispatcher's own are in `DISPATCH_ERRORS`). */
  errors: readonly ApiErrorCode[];
}

/** Declares a route keeping its literal types, so handlers and the client are typed by it. */
export function route<const R extends RouteSpec>(spec: R): R {
  return spec;
}

/** Codes any endpoint may answer before or around its handler (see core/api/router.ts). */
export const DISPATCH_ERRORS = ['bad_host', 'bad_path', 'internal'] as const satisfies ApiErrorCode[];
/** Codes of a route with a token and of any route that touches the store. */
export const AUTH_ERRORS = [
  'unauthorized',
  'store_unavailable',
  'disk_full',
] as const satisfies ApiErrorCode[];
/** Codes of a route with a JSON body. */
export const BODY_ERRORS = ['invalid_json', 'invalid_body', 'too_large'] as const satisfies ApiErrorCode[];
/** Codes of a route with a query schema. */
export const QUERY_ERRORS = ['invalid_query'] as const satisfies ApiErrorCode[];

/**
 * Every code a route may answer: its own, the dispatcher's, and the groups its token, query and
 * body bring. The OpenAPI document lists them; under test the router refuses any other.
 */
export function routeErrors(spec: RouteSpec): ApiErrorCode[] {
  return [
    ...new Set<ApiErrorCode>([
      ...spec.errors,
      ...DISPATCH_ERRORS,
      ...(spec.auth ? AUTH_ERRORS : []),
      ...(spec.query ? QUERY_ERRORS : []),
      ...(spec.body ? BODY_ERRORS : []),
    ]),
  ];
}

/**
 * `?limit=` as a whole number within 1…max, `fallback` when absent or not a number. Clamped, not
 * refused: SQLite reads a negative LIMIT as "no limit", so `-1` must never reach a query.
 */
export function limitQuery(fallback: number, max: number) {
  return z
    .string()
    .optional()
    .transform((text) => {
      const trimmed = text?.trim();
      const given = trimmed ? Number(trimmed) : Number.NaN;
      if (Number.isNaN(given)) return fallback;
      return Math.min(Math.max(Math.trunc(given), 1), max);
    });
}

/** A text query parameter where empty means absent (`?level=` is no filter). */
export const textQuery = z
  .string()
  .optional()
  .transform((text) => text || undefined);

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: the validated path parameters, query and body. */
export interface RouteInput<R extends RouteSpec> {
  params: Out<R['params']>;
  query: Out<R['query']>;
  body: Out<R['body']>;
}

/** The JSON a route answers (what the client returns), `undefined` for 204 and non-JSON routes. */
export type RouteResponse<R extends RouteSpec> = R['response'] extends z.ZodType
  ? z.output<R['response']>
  : undefined;

/** What a caller sends: path parameters, query and body, by their input types. */
export type RouteRequest<R extends RouteSpec> = (R['params'] extends z.ZodType
  ? { params: z.input<R['params']> }
  : { params?: undefined }) &
  (R['query'] extends z.ZodType ? { query?: z.input<R['query']> } : { query?: undefined }) &
  (R['body'] extends z.ZodType ? { body: z.input<R['body']> } : { body?: undefined });
