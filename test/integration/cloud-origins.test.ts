import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgentWithCollectors, startEmulator, tempDir, testConfig, waitFor } from '../helpers/harness.ts';

/**
 * Issue 9: the agent sent its Authorization header to any absolute URL the cloud returned. Here
 * the emulator lists a machine whose modeler type lives on a second server (another origin),
 * which answers a valid type and records whether a credential reached it.
 */
test('a modeler type URI on another origin is not fetched with the credential: that machine is skipped, the others run', async (t) => {
  const received: Array<string | undefined> = [];
  const foreign = createServer((req, res) => {
    received.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        uri: `http://${req.headers.host}${req.url}`,
        capture_types: ['ultimaker.modeler.log'],
      }),
    );
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => foreign.close(() => resolve())));
  const foreignType = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/modeler-type/1/`;

  const { emulator } = await startEmulator(t, []);
  const ownType = emulator.state.addModelerType('Ultimaker S5', ['ultimaker.modeler.log'], 'Ultimaker');
  emulator.state.addModeler({ name: 'elsewhere', type: foreignType, ip_address: '127.0.0.1:1' });
  emulator.state.addModeler({ name: 'at-home', type: ownType.uri, ip_address: '127.0.0.1:1' });

  const agent = await startAgentWithCollectors(t, testConfig(join(tempDir(t), 'data'), emulator.url, {}));
  await waitFor(() => agent.machines().some((m) => m.name === 'at-home'), 15_000, 'the cloud machines');
  assert.deepEqual(received, [], 'the foreign origin received no request, so no credential');
  assert.deepEqual(
    agent.machines().map((m) => m.name),
    ['at-home'],
  );
});
