import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CloudHttpError } from '../../shared/errors.ts';
import { CloudHttpClient } from '../cloud/http-client.ts';
import { answerLost } from './command-report.ts';

/** What a real PUT through the cloud client fails with, against `server` (or a closed port). */
async function failureOf(server: Server | undefined, timeoutMs = 2000): Promise<unknown> {
  let url = `http://127.0.0.1:${await closedPort()}/`;
  if (server) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }
  try {
    const client = new CloudHttpClient(url, timeoutMs);
    await client.send({ method: 'PUT', url: `${url}modeler-command/1/`, json: { status: 'processing' } });
    return undefined;
  } catch (error) {
    return error;
  } finally {
    server?.closeAllConnections();
    server?.close();
  }
}

/** A port nothing listens on (just released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test('a report that never left Echo is not taken for one the cloud may have carried out', async () => {
  // Nothing listens there: the connection is refused before anything is sent.
  const refused = await failureOf(undefined);
  assert.ok(refused, 'the PUT failed');
  assert.equal(answerLost(refused), false);
  assert.equal(answerLost(new CloudHttpError(429, 'slow down', '')), false);
  assert.equal(answerLost(new CloudHttpError(404, 'gone', '')), false);
  assert.equal(answerLost(new CloudHttpError(400, 'bad', '')), false);
});

test('a report whose answer was lost, or failed after it was sent, may have been carried out', async () => {
  // The server reads the request, then drops the connection without answering.
  const dropped = await failureOf(createServer((req) => req.on('end', () => req.socket.destroy()).resume()));
  assert.ok(dropped, 'the PUT failed');
  assert.equal(answerLost(dropped), true, String(dropped));
  // The server never answers: the client's timeout.
  const silent = await failureOf(
    createServer(() => undefined),
    300,
  );
  assert.ok(silent, 'the PUT failed');
  assert.equal(answerLost(silent), true, String(silent));
  // A proxy may answer 503 after the cloud took the request; any 5xx counts.
  assert.equal(answerLost(new CloudHttpError(503, 'unavailable', '')), true);
  assert.equal(answerLost(new CloudHttpError(502, 'bad gateway', '')), true);
});
