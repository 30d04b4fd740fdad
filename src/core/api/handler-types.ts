import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteInput, RouteResponse, RouteSpec } from '../../shared/api/route-spec.ts';
import type { RouteName, Routes } from '../../shared/api/routes.ts';

/** A JSON answer with another status than the route's (readiness: 503 while not ready). */
export class Answer<T> {
  constructor(
    readonly status: number,
    readonly body: T,
  ) {}
}

/**
 * What a handler gives back: its JSON (typed by the table). A 204 or non-JSON route writes its
 * answer itself (or has the dispatcher send 204): whatever it returns is ignored.
 */
export type Reply<R extends RouteSpec> = R['response'] extends object
  ? RouteResponse<R> | Answer<RouteResponse<R>>
  : unknown;

/** The raw request and response, for the routes that stream or send something else than JSON. */
export interface HttpContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

export type Handler<R extends RouteSpec> = (
  input: RouteInput<R>,
  http: HttpContext,
) => Reply<R> | Promise<Reply<R>>;

/** One handler per row of the route table, by its name: a row without one does not compile. */
export type Handlers = { [N in RouteName]: Handler<Routes[N]> };
