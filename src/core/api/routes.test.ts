import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, startEmulator, tempDir, testConfig } from '../../../test/helpers/harness.ts';
import { fillPath, openApiPath } from '../../shared/api/paths.ts';
import type { RouteSpec } from '../../shared/api/route-spec.ts';
import { ROUTES } from '../../shared/api/routes.ts';
import { checkResponse, responseCheckingWanted } from './router.ts';

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
      assert.ok(
        ok.includes('application/json') && !ok.includes('"schema":{}'),
        `${line} documents its answer`,
      );
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
  }
});

test('an answer that drifts from its schema is caught (on under the test runner)', () => {
  assert.ok(responseCheckingWanted(), 'the API tests check every JSON answer');
  assert.throws(() => checkResponse('backlog', ROUTES.backlog, { captures: {} }), /backlog.*captures/);
  assert.doesNotThrow(() => checkResponse('health', ROUTES.health, { status: 'ok' }));
});
