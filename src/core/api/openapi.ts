import { z } from 'zod';
import { openApiPath } from '../../shared/api/paths.ts';
import { type RouteSpec, routeErrors } from '../../shared/api/route-spec.ts';
import { ROUTES } from '../../shared/api/routes.ts';
import { API_ERRORS } from '../../shared/errors.ts';

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

/**
 * A non-JSON answer: text (metrics, the UI's files) or bytes (the zip). A stream of server-sent
 * events is text too; `x-events` names each event and gives the JSON Schema of its `data`.
 */
function rawContent(spec: RouteSpec & { contentType: string }): JsonSchema {
  const text = spec.contentType.startsWith('text/');
  const media: JsonSchema = { schema: text ? { type: 'string' } : { type: 'string', format: 'binary' } };
  if (spec.events) {
    media.schema = {
      type: 'string',
      description: `server-sent events (${Object.keys(spec.events).join(', ')}); each one's data is JSON, its schema in x-events`,
    };
    media['x-events'] = Object.fromEntries(
      Object.entries(spec.events).map(([event, schema]) => [event, schemaOf(schema, 'output')]),
    );
  }
  return { [spec.contentType]: media };
}

function responses(spec: RouteSpec): Record<string, JsonSchema> {
  const json = spec.response
    ? { 'application/json': { schema: schemaOf(spec.response, 'output') } }
    : undefined;
  const success: JsonSchema = json
    ? { description: 'success', content: json }
    : spec.contentType
      ? { description: spec.contentType, content: rawContent({ ...spec, contentType: spec.contentType }) }
      : { description: spec.status === 302 ? 'redirect' : 'done, no content' };
  const out: Record<string, JsonSchema> = { [spec.status]: success };
  for (const [status, description] of Object.entries(spec.otherStatuses ?? {})) {
    out[status] = { description, ...(json ? { content: json } : {}) };
  }
  for (const code of routeErrors(spec)) {
    const status = String(API_ERRORS[code].status);
    const known = out[status] as { description: string; content?: Record<string, JsonSchema> } | undefined;
    const description = known ? `${known.description}; ${code}` : code;
    // A status that also answers the route's own JSON (readiness' 503) answers either body.
    const other = known?.content?.['application/json']?.schema as JsonSchema | undefined;
    const either =
      other !== undefined && other !== errorBody && !(other.oneOf as unknown[])?.includes(errorBody);
    const schema = either ? { oneOf: [other, errorBody] } : (other ?? errorBody);
    out[status] = { description, content: { 'application/json': { schema } } };
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
