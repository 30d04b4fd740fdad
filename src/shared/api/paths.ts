import type { RouteSpec } from './route-spec.ts';

/** One piece of a route's path: fixed text, a %-escaped segment, or the rest of the path. */
export type PathPart = { text: string } | { param: string; rest: boolean };

/** `/api/v1/machines/{name}/jobs` as its parts, for matching (router) and filling (client). */
export function pathParts(path: string): PathPart[] {
  return path
    .split(/(\{[^}]+\})/)
    .filter((piece) => piece !== '')
    .map((piece) => {
      const param = /^\{([^}*]+)(\*?)\}$/.exec(piece);
      return param ? { param: param[1]!, rest: param[2] === '*' } : { text: piece };
    });
}

/** The route's path with its parameters filled in (each one %-escaped but a rest parameter). */
export function fillPath(spec: Pick<RouteSpec, 'path'>, params: Record<string, unknown> | undefined): string {
  return pathParts(spec.path)
    .map((part) => {
      if ('text' in part) return part.text;
      const value = String(params?.[part.param] ?? '');
      return part.rest ? value : encodeURIComponent(value);
    })
    .join('');
}

/** The OpenAPI spelling of a path (`{asset*}` is `{asset}` there). */
export function openApiPath(path: string): string {
  return path.replace(/\{([^}*]+)\*\}/g, '{$1}');
}
