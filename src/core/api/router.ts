import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { pathParts } from '../../shared/api/paths.ts';
import { type RouteSpec, routeErrors } from '../../shared/api/route-spec.ts';
import { ROUTES, type RouteName } from '../../shared/api/routes.ts';
import type { ApiErrorCode } from '../../shared/errors.ts';
import { ApiProblem, pathSegment, readBody, validBody } from './http-io.ts';

/** A route of the table with its path as a regular expression. */
interface CompiledRoute {
  name: RouteName;
  spec: RouteSpec;
  pattern: RegExp;
  params: Array<{ name: string; rest: boolean }>;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(name: RouteName, spec: RouteSpec): CompiledRoute {
  const parts = pathParts(spec.path);
  const source = parts
    .map((part) => ('text' in part ? escapeRegExp(part.text) : part.rest ? '(.*)' : '([^/]+)'))
    .join('');
  const params = parts.flatMap((part) => ('param' in part ? [{ name: part.param, rest: part.rest }] : []));
  return { name, spec, pattern: new RegExp(`^${source}$`), params };
}

const COMPILED: CompiledRoute[] = (Object.keys(ROUTES) as RouteName[]).map((name) =>
  compile(name, ROUTES[name]),
);

/** The routes whose method and path shape fit the request, in table order. */
export function candidates(method: string | undefined, pathname: string): CompiledRoute[] {
  return COMPILED.filter((route) => route.spec.method === method && route.pattern.test(pathname));
}

/**
 * The path parameters of `route`, decoded and validated; undefined when a segment is not one its
 * schema accepts (`/alerts/abc`): that path is not this route, as it was not with hand-written
 * regular expressions. A malformed %-escape is the caller's mistake: 400 `bad_path`.
 */
export function routeParams(route: CompiledRoute, pathname: string): { value: unknown } | undefined {
  const match = route.pattern.exec(pathname);
  if (!match) return undefined;
  const raw = Object.fromEntries(
    route.params.map((param, i) => [param.name, param.rest ? match[i + 1]! : pathSegment(match[i + 1]!)]),
  );
  if (!route.spec.params) return { value: undefined };
  const parsed = route.spec.params.safeParse(raw);
  return parsed.success ? { value: parsed.data } : undefined;
}

/** The query (each parameter's first value), validated; a refusal names the parameter. */
export function routeQuery(spec: RouteSpec, url: URL): unknown {
  if (!spec.query) return undefined;
  const raw: Record<string, string> = {};
  for (const [key, value] of url.searchParams) raw[key] ??= value;
  const parsed = spec.query.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ApiProblem(
    400,
    'invalid_query',
    parsed.error.issues.map((issue) => `${issue.path.join('.') || '(query)'}: ${issue.message}`).join('; '),
  );
}

/** The JSON body validated with the route's schema (or the one its shape picks); none when it has none. */
export async function routeBody(spec: RouteSpec, req: IncomingMessage): Promise<unknown> {
  if (!spec.body) return undefined;
  const raw = await readBody(req);
  const schema: z.ZodType = spec.pickBody?.(raw) ?? spec.body;
  return validBody(raw, schema, spec.unknownKey);
}

/**
 * Checks an answer against its route's row, as it travels (through JSON: `undefined` fields gone,
 * Buffers as objects): its status is the row's (or one of `otherStatuses`), its body matches the
 * schema, and it has no key the schema lacks (zod's objects would drop it silently: a field the
 * core sends and the contract does not know). On in tests and when `ECHO_CHECK_API_RESPONSES=1`:
 * a drift between the core and the contract fails there, not in the UI.
 */
export function checkResponse(
  name: RouteName,
  spec: RouteSpec,
  body: unknown,
  status: number = spec.status,
): void {
  if (status !== spec.status && spec.otherStatuses?.[status] === undefined)
    throw new Error(`${name} answered ${status}, a status its row does not declare`);
  if (spec.response) checkJson(`the answer of ${name}`, spec.response, body);
}

/** Checks one server-sent event's data against the schema its route's row gives that event. */
export function checkEvent(name: RouteName, spec: RouteSpec, event: string, data: unknown): void {
  const schema = spec.events?.[event];
  if (!schema) throw new Error(`${name} sent the event ${event}, which its row does not declare`);
  checkJson(`the ${event} event of ${name}`, schema, data);
}

/** `body` as it travels matches `schema`, and has no key the schema lacks. */
function checkJson(what: string, schema: z.ZodType, body: unknown): void {
  const sent: unknown = JSON.parse(JSON.stringify(body));
  const parsed = schema.safeParse(sent);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    throw new Error(`${what} does not match its schema: ${problems.join('; ')}`);
  }
  const extra = extraKeys(sent, parsed.data, '');
  if (extra.length > 0) throw new Error(`${what} has keys its schema does not have: ${extra.join(', ')}`);
}

/** Whether a refusal's code is one its route declares (`routeErrors`); checked with the answers. */
export function checkProblem(name: RouteName, code: ApiErrorCode): void {
  if (!routeErrors(ROUTES[name]).includes(code))
    throw new Error(`${name} answered the error ${code}, which its row does not declare`);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys of `sent` that parsing dropped (what a strict object would refuse), by their path. */
function extraKeys(sent: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(sent) && Array.isArray(kept))
    return sent.flatMap((item, i) => extraKeys(item, kept[i], `${path}[${i}]`));
  if (!isRecord(sent) || !isRecord(kept)) return [];
  return Object.keys(sent).flatMap((key) => {
    const at = path ? `${path}.${key}` : key;
    return key in kept ? extraKeys(sent[key], kept[key], at) : [at];
  });
}

/** Whether answers are checked: under node's test runner, or when asked for (development). */
export function responseCheckingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ECHO_CHECK_API_RESPONSES === '1' || env.NODE_TEST_CONTEXT !== undefined;
}
