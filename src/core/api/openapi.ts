import { z } from 'zod';
import { openApiPath } from '../../shared/api/paths.ts';
import { AUTH_ERRORS, BODY_ERRORS, DISPATCH_ERRORS, type RouteSpec } from '../../shared/api/route-spec.ts';
import { ROUTES } from '../../shared/api/routes.ts';
import { API_ERRORS, type ApiErrorCode } from '../../shared/errors.ts';

/**
 * The OpenAPI document of the local API (served at `/api/v1/openapi.json`), generated from the
 * route table: every body and answer with its JSON Schema. The operator UI and outside tools use
 * only these endpoints; changing one needs a migration note (docs/local-api.md).
 */

type JsonSchema = Record<string, unknown>;

/** Requests as they are sent (defaults optional, before transforms); answers as they are sent. */
const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
};

const errorBody: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { enum: Object.keys(API_ERRORS) }, message: { type: 'string' } },
    },
  },
};

function parameters(spec: RouteSpec): JsonSchema[] {
  const of = (where: 'path' | 'query', object: z.ZodObject | undefined) => {
    if (!object) return [];
    const json = schemaOf(object, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      schema,
    }));
  };
  return [...of('path', spec.params), ...of('query', spec.query)];
}

function responses(spec: RouteSpec): Record<string, JsonSchema> {
  const success: JsonSchema = spec.response
    ? {
        description: 'success',
        content: { 'application/json': { schema: schemaOf(spec.response, 'output') } },
      }
    : spec.contentType
      ? { description: spec.contentType, content: { [spec.contentType]: {} } }
      : { description: spec.status === 302 ? 'redirect' : 'done, no content' };
  const codes: ApiErrorCode[] = [
    ...spec.errors,
    ...DISPATCH_ERRORS,
    ...(spec.auth ? AUTH_ERRORS : []),
    ...(spec.body ? BODY_ERRORS : []),
  ];
  const out: Record<string, JsonSchema> = { [spec.status]: success };
  for (const code of new Set(codes)) {
    const status = String(API_ERRORS[code].status);
    const known = out[status] as { description: string } | undefined;
    const description = known ? `${known.description}; ${code}` : code;
    out[status] = { description, content: { 'application/json': { schema: errorBody } } };
  }
  return out;
}

function operation(spec: RouteSpec): JsonSchema {
  return {
    summary: spec.summary,
    ...(spec.auth ? { security: [{ bearer: [] }] } : {}),
    ...(spec.params || spec.query ? { parameters: parameters(spec) } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(spec.body, 'input') } },
          },
        }
      : {}),
    responses: responses(spec),
  };
}

/** Built once: the table does not change while the agent runs. */
let paths: Record<string, Record<string, JsonSchema>> | undefined;

function buildPaths(): Record<string, Record<string, JsonSchema>> {
  const out: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of Object.values(ROUTES) as RouteSpec[]) {
    const path = openApiPath(spec.path);
    out[path] ??= {};
    out[path][spec.method.toLowerCase()] = operation(spec);
  }
  return out;
}

export function openApiDocument(serverUrl: string) {
  paths ??= buildPaths();
  return {
    openapi: '3.1.0',
    info: { title: 'Echo local API', version: '1' },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
