import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig, waitFor } from '../../../test/helpers/harness.ts';
import { fillPath, openApiPath } from '../../shared/api/paths.ts';
import type { RouteSpec } from '../../shared/api/route-spec.ts';
import { ROUTES } from '../../shared/api/routes.ts';
import { checkEvent, checkProblem, checkResponse, responseCheckingWanted } from './router.ts';

/**
 * The local API's surface, written out by hand: a row dropped from the table (or a path changed)
 * fails here, not in a script that calls it.
 */
const SURFACE = [
  'GET /healthz',
  'GET /readyz',
  'GET /api/v1/openapi.json',
  'GET /',
  'GET /ui/{asset*}',
  'GET /api/v1/events',
  'GET /metrics',
  'GET /api/v1/status',
  'GET /api/v1/machines',
  'GET /api/v1/collectors',
  'POST /api/v1/machines/test',
  'POST /api/v1/machines',
  'GET /api/v1/machines/{name}/captures',
  'GET /api/v1/machines/{name}/jobs',
  'DELETE /api/v1/alerts/{id}',
  'GET /api/v1/machines/{name}',
  'PUT /api/v1/machines/{name}',
  'DELETE /api/v1/machines/{name}',
  'GET /api/v1/settings',
  'PUT /api/v1/settings',
  'PUT /api/v1/collection',
  'GET /api/v1/diagnostics',
  'GET /api/v1/serial-ports',
  'POST /api/v1/discover',
  'GET /api/v1/backlog',
  'GET /api/v1/logs',
  'GET /api/v1/commands',
  'POST /api/v1/commands/{id}/confirm',
  'POST /api/v1/commands/{id}/refuse',
  'GET /api/v1/dead-letters',
  'POST /api/v1/dead-letters/retry',
  'POST /api/v1/dead-letters/discard',
  'POST /api/v1/session',
  'DELETE /api/v1/session',
  'GET /api/v1/update',
  'POST /api/v1/update/check',
  'POST /api/v1/update/download',
];

const specs = Object.values(ROUTES) as RouteSpec[];

type Json = Record<string, unknown>;

/** Every media type of an operation (its body, each answer) with its schema, by where it is. */
function contentSchemas(operation: { requestBody?: unknown; responses: Record<string, unknown> }) {
  const out: Array<[string, unknown]> = [];
  const media = (where: string, holder: unknown) => {
    const content = (holder as { content?: Record<string, Json> } | undefined)?.content ?? {};
    for (const [type, entry] of Object.entries(content)) {
      out.push([`${where} ${type}`, entry.schema]);
      // Server-sent events: each event's data.
      for (const [event, schema] of Object.entries((entry['x-events'] ?? {}) as Json))
        out.push([`${where} ${type} event ${event}`, schema]);
    }
  };
  media('request body', operation.requestBody);
  for (const [status, answer] of Object.entries(operation.responses)) media(`answer ${status}`, answer);
  return out;
}

/**
 * A schema that says nothing: absent, `{}`, or "any object" (`z.record(z.string(), z.unknown())`,
 * what a placeholder answer writes). A real one has a type with fields, items or a format, an
 * enumeration, or alternatives.
 */
function isPlaceholder(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  const s = schema as Json;
  if (['anyOf', 'oneOf', 'allOf', 'enum', 'const', '$ref'].some((key) => key in s)) return false;
  if (s.type === 'object') {
    const properties = Object.keys((s.properties ?? {}) as Json);
    const values = s.additionalProperties as Json | undefined;
    return properties.length === 0 && (values === undefined || Object.keys(values).length === 0);
  }
  if (s.type === 'array') return isPlaceholder(s.items);
  return typeof s.type !== 'string';
}

test('a placeholder schema is told from a real one', () => {
  for (const empty of [
    undefined,
    {},
    { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
  ])
    assert.ok(isPlaceholder(empty), JSON.stringify(empty));
  for (const real of [{ type: 'string' }, { type: 'object', properties: { a: { type: 'string' } } }])
    assert.ok(!isPlaceholder(real), JSON.stringify(real));
});

test('the route table is the local API’s whole surface', () => {
  assert.deepEqual(specs.map((s) => `${s.method} ${s.path}`).sort(), [...SURFACE].sort());
});

test('every route is served, and documented with a schema for every body', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const dir = tempDir(t);
  await startAgent(t, testConfig(dir, emulator.url, modelers));
  const file = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as { url: string; token: string };
  const doc = (await (await fetch(`${file.url}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
  };
  for (const line of SURFACE) {
    const spec = specs.find((s) => `${s.method} ${s.path}` === line);
    assert.ok(spec, `${line} is in the table`);
    const operation = doc.paths[openApiPath(spec.path)]?.[spec.method.toLowerCase()];
    assert.ok(operation, `${line} is documented`);
    if (spec.body) {
      const body = JSON.stringify(operation.requestBody);
      assert.ok(body.includes('"properties"') || body.includes('anyOf'), `${line} documents its body`);
    }
    if (spec.response) {
      const ok = JSON.stringify(operation.responses[String(spec.status)]);
      assert.ok(ok.includes('application/json'), `${line} documents its answer as JSON`);
    }
    for (const [where, schema] of contentSchemas(operation)) {
      assert.ok(!isPlaceholder(schema), `${line}: ${where} has a real schema (${JSON.stringify(schema)})`);
    }
    // Served: whatever the handler answers, never the router's "not an endpoint". Bodies are
    // left invalid where a valid one would act (sign in, add a machine, look for machines).
    const controller = new AbortController();
    const response = await fetch(
      `${file.url}${fillPath(spec, { name: 'no-such-machine', id: '999', asset: 'index.html' })}`,
      {
        method: spec.method,
        redirect: 'manual',
        signal: controller.signal,
        headers: {
          authorization: `Bearer ${file.token}`,
          ...(spec.body ? { 'content-type': 'application/json' } : {}),
        },
        ...(spec.body ? { body: JSON.stringify({ not_a_field: true }) } : {}),
      },
    );
    const text = spec.contentType === 'text/event-stream' ? '' : await response.text();
    controller.abort();
    assert.ok(!text.includes('is not an endpoint'), `${line} is served (${response.status} ${text})`);
    assert.notEqual(response.status, 405, `${line} is served`);
    // Under test a refusal outside the route's codes, or an answer off its schema, is a 500.
    assert.notEqual(response.status, 500, `${line} answers within its contract (${text})`);
  }
});

test('an answer that drifts from its schema is caught (on under the test runner)', () => {
  assert.ok(responseCheckingWanted(), 'the API tests check every JSON answer');
  assert.throws(() => checkResponse('backlog', ROUTES.backlog, { captures: {} }), /backlog.*captures/);
  assert.doesNotThrow(() => checkResponse('health', ROUTES.health, { status: 'ok' }));
  // A key the schema lacks, at the top or deep inside: the core sends what the contract omits.
  assert.throws(() => checkResponse('health', ROUTES.health, { status: 'ok', extra: 1 }), /health.*extra/);
  const backlog = {
    captures: { pending: 0, created: 0, uploaded: 0, acknowledged: 0, dead: 0 },
    logs: { pending: 0, sent: 0, dead: 0 },
    machineStatus: { pending: 0 },
  };
  assert.doesNotThrow(() => checkResponse('backlog', ROUTES.backlog, backlog));
  assert.throws(
    () => checkResponse('backlog', ROUTES.backlog, { ...backlog, logs: { ...backlog.logs, secret: 'x' } }),
    /logs\.secret/,
  );
  // A status the row does not declare; readiness declares its 503.
  assert.doesNotThrow(() => checkResponse('ready', ROUTES.ready, { ready: false }, 503));
  assert.throws(() => checkResponse('health', ROUTES.health, { status: 'ok' }, 503), /health answered 503/);
});

test('the event stream’s status and delta events match their schemas', async (t) => {
  const { emulator, modelers } = await startEmulator(t, ['p1']);
  const dir = tempDir(t);
  await startAgent(t, testConfig(dir, emulator.url, modelers));
  const file = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as { url: string; token: string };
  const controller = new AbortController();
  t.after(() => controller.abort());
  const response = await fetch(`${file.url}/api/v1/events?deltas=1`, {
    headers: { authorization: `Bearer ${file.token}` },
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Array<{ event: string; data: unknown }> = [];
  let text = '';
  // Under test the server ends the stream on an event off its schema: the wait then fails.
  await waitFor(
    async () => {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream goes on');
      text += value;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const [, event, data] = /^event: (.*)\ndata: (.*)$/s.exec(text.slice(0, end)) ?? [];
        text = text.slice(end + 2);
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      return events.some((e) => e.event === 'delta');
    },
    20_000,
    'a delta event',
  );
  assert.equal(events[0]?.event, 'status');
  for (const { event, data } of events) checkEvent('events', ROUTES.events, event, data);
  // And the check is live: an unknown event, or a key the delta schema lacks, is refused.
  const delta = events.find((e) => e.event === 'delta')!.data as Record<string, unknown>;
  assert.throws(() => checkEvent('events', ROUTES.events, 'other', delta), /events.*other/);
  assert.throws(() => checkEvent('events', ROUTES.events, 'delta', { ...delta, extra: 1 }), /delta.*extra/);
});

test('a refusal is checked against its route’s codes', () => {
  assert.doesNotThrow(() => checkProblem('clearAlert', 'not_found'));
  assert.doesNotThrow(() => checkProblem('logs', 'invalid_query'), 'a route with a query');
  assert.doesNotThrow(() => checkProblem('status', 'unauthorized'), 'a route with a token');
  assert.doesNotThrow(() => checkProblem('discover', 'invalid_body'), 'a route with a body');
  assert.throws(() => checkProblem('status', 'invalid_query'), /status.*invalid_query/);
  assert.throws(() => checkProblem('health', 'unauthorized'), /health.*unauthorized/);
  assert.throws(() => checkProblem('clearAlert', 'updates_off'), /clearAlert.*updates_off/);
});

/** `METHOD /path` of each row of docs/local-api.md's endpoint table (`<name>` as `{name}`). */
function documentedRoutes(): string[] {
  const doc = readFileSync(new URL('../../../docs/local-api.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('## Endpoints'), doc.indexOf('\n## ', doc.indexOf('## Endpoints') + 1));
  return [...table.matchAll(/^\| `(GET|POST|PUT|DELETE) ([^`?\s]+)/gm)].map(
    ([, method, path]) => `${method} ${path!.replace(/<([^>]+)>/g, '{$1}')}`,
  );
}

test('docs/local-api.md has a row for every route, and none for a route that does not exist', () => {
  const rows = documentedRoutes();
  assert.ok(rows.length > 10, 'the table is found');
  assert.equal(new Set(rows).size, rows.length, 'one row per route');
  // `{asset*}` (the rest of the path) is written `<asset>` in the table.
  const table = specs.map((s) => `${s.method} ${s.path.replace('*}', '}')}`);
  assert.deepEqual(
    table.filter((route) => !rows.includes(route)),
    [],
    'routes without a row in docs/local-api.md',
  );
  assert.deepEqual(
    rows.filter((row) => !table.includes(row)),
    [],
    'rows of docs/local-api.md that are no route',
  );
});
