import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { CollectorError } from './collector-error.ts';
import { HttpPools } from './http-json.ts';
import { VendorCloudSimulator } from './simulator/vendor-cloud.ts';
import { type AccountSpec, retryAfterMs, VendorAccount, VendorAccounts } from './vendor-account.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

test('Retry-After: seconds, an HTTP date, garbage; bounded to [1 s, 1 h]', () => {
  assert.equal(retryAfterMs('30'), 30_000);
  assert.equal(retryAfterMs('0'), 1000);
  assert.equal(retryAfterMs('999999'), 3_600_000);
  assert.equal(retryAfterMs(new Date(1_000_000 + 120_000).toUTCString(), 1_000_000), 120_000);
  assert.equal(retryAfterMs('soon'), 60_000);
  assert.equal(retryAfterMs(undefined), 60_000);
  assert.equal(retryAfterMs('9'.repeat(100)), 60_000);
});

test('accounts are counted by reference, linger after the last machine, refuse other credentials', async () => {
  const accounts = new VendorAccounts(50);
  const pools = new HttpPools();
  let made = 0;
  const spec: AccountSpec<number> = {
    service: 'Test',
    account: 'a',
    intervalMs: 1000,
    requestTimeoutMs: 1000,
    maxBodyBytes: 1000,
    read: async () => 1,
  };
  const create = () => {
    made++;
    return new VendorAccount(spec, pools);
  };
  const one = accounts.acquire('k', 'm1', 'fp', create);
  const two = accounts.acquire('k', 'm2', 'fp', create);
  assert.equal(one, two);
  assert.equal(made, 1);
  assert.throws(
    () => accounts.acquire('k', 'm3', 'other', create),
    (e: unknown) => e instanceof CollectorError && e.failure === 'auth',
  );
  accounts.release('k', 'm1');
  accounts.release('k', 'm2');
  assert.equal(accounts.holders('k'), 0);
  // A machine reconnecting within the linger gets the same account back.
  assert.equal(accounts.acquire('k', 'm1', 'fp', create), one);
  accounts.release('k', 'm1');
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(accounts.get('k'), undefined, 'closed after the linger');
  await assert.rejects(one.view(AbortSignal.timeout(1000)), /closed/);
  accounts.acquire('k', 'm1', 'fp', create);
  assert.equal(made, 2);
  accounts.closeAll();
  pools.destroy();
});

test('concurrent reads needing a token: one token, one refresh; a 401 mid-read: one new token for all', async (t) => {
  let tokens = 0;
  const sim = await VendorCloudSimulator.start((s) => (req) => {
    if (req.path === '/token') {
      tokens++;
      return { status: 200, body: { token: s.issueToken(60) } };
    }
    if (!s.bearerValid(req.headers.authorization as string | undefined)) return { status: 401, body: {} };
    return { status: 200, body: { ok: true } };
  });
  t.after(() => sim.close());
  const pools = new HttpPools();
  t.after(() => pools.destroy());
  let reads = 0;
  const account = new VendorAccount<number>(
    {
      service: 'Test',
      account: 'a',
      intervalMs: 10_000,
      requestTimeoutMs: 5000,
      maxBodyBytes: 10_000,
      issueToken: async (session) => {
        const reply = await session.raw('POST', `${sim.url}/token`);
        // Slow, so that every caller of the read asks while it is issued.
        await new Promise((r) => setTimeout(r, 50));
        return { token: (JSON.parse(reply.text) as { token: string }).token, lifetimeMs: 60_000 };
      },
      read: async (session) => {
        reads++;
        const ok = z.object({ ok: z.boolean() });
        await Promise.all([1, 2, 3, 4].map(() => session.get(`${sim.url}/x`, ok)));
        return reads;
      },
    },
    pools,
  );
  account.attach('m1', silent);
  const views = await Promise.all([1, 2, 3].map(() => account.view(AbortSignal.timeout(5000))));
  assert.deepEqual(
    views.map((v) => v.data),
    [1, 1, 1],
    'one read for three machines',
  );
  assert.equal(tokens, 1, 'four parallel requests, one token');

  sim.expireTokens();
  // Past the interval: a new read whose four requests all meet a 401.
  (account as unknown as { last: { at: number } }).last.at -= 20_000;
  const again = await account.view(AbortSignal.timeout(5000));
  assert.equal(again.data, 2);
  assert.equal(tokens, 2, 'one new token for the four refused requests');
  account.close();
});
