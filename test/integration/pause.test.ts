import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UltimakerSimulator } from '../../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { startMachine, waitFor } from '../helpers/harness.ts';

test('the operator pauses collection through the API (the tray): no polls, remembered in the store', async (t) => {
  const sim = await UltimakerSimulator.start();
  t.after(() => sim.close());
  const { agent, live, config } = await startMachine(t, {
    collector: 'ultimaker',
    connection: { host: sim.host, port: sim.port },
  });
  await waitFor(() => live().polls > 2, 10_000, 'polling');
  const api = JSON.parse(readFileSync(join(config.data_dir, 'api.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const put = (paused: unknown) =>
    fetch(`${api.url}/api/v1/collection`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ paused }),
    });
  assert.equal((await put('yes')).status, 400, 'a bad body is refused');
  const paused = await put(true);
  assert.deepEqual(await paused.json(), { collection: 'paused_by_operator' });
  await new Promise((r) => setTimeout(r, 400));
  const polls = live().polls;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(live().polls, polls, 'no polls while paused');
  assert.equal(agent.store.stats.getValue('collection_paused_by_operator'), '1', 'remembered in the store');
  await put(false);
  await waitFor(() => live().polls > polls, 10_000, 'polling again');
  assert.equal(agent.status().collection, 'running');
});
