import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { tempDir, testConfig, waitFor } from '../../../test/helpers/harness.ts';
import { openTestStore } from '../../../test/helpers/store.ts';
import { wallClock } from '../clock.ts';
import { CredentialOrigins } from '../cloud/credential-origins.ts';
import { CloudHttpClient } from '../cloud/http-client.ts';
import { CloudGate } from './cloud-gate.ts';
import { StatusSync } from './status-sync.ts';

test('a machine whose modeler is on another origin is logged once, not at every status change', async (t) => {
  const dir = tempDir(t);
  const store = openTestStore(dir);
  t.after(() => store.close());
  // Nothing listens there: every request would fail, but none may even be tried.
  const cloudUrl = 'http://127.0.0.1:9/';
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const config = testConfig(dir, cloudUrl, {});
  const sync = new StatusSync({
    client: new CloudHttpClient(cloudUrl, 1000, new CredentialOrigins([cloudUrl], logger)),
    store,
    gate: new CloudGate(wallClock, 100, 1000),
    clock: wallClock,
    logger,
    config,
    modelerFor: () => 'https://elsewhere.example/modeler/1/',
    captureOwnerFor: () => ({ field: 'modeler', uri: 'https://elsewhere.example/modeler/1/' }),
    machineNames: () => ['press'],
    unauthenticated: () => {},
    userUuid: () => null,
  });
  const stop = new AbortController();
  const running = sync.run(stop.signal, () => true);
  t.after(async () => {
    stop.abort();
    await running;
  });

  for (const [i, connected] of [true, false, true].entries()) {
    await store.recordMachineStatus({ machine: 'press', state: 'idle', connected, error: null });
    sync.wakeup.poke();
    await waitFor(() => store.status.unreported().length === 0, 5000, `change ${i} handled`);
  }
  const warnings = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /another origin/);
});
