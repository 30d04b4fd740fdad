import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestAuthorization, parseDigestChallenge, parseDigestParams } from './http-digest.ts';

test('RFC 2617 §3.5: the example answer to the example challenge', () => {
  const challenge = parseDigestChallenge(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  assert.deepEqual(challenge, {
    realm: 'testrealm@host.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    qop: 'auth,auth-int',
    opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  });
  const header = digestAuthorization(challenge!, {
    username: 'Mufasa',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nc: 1,
    cnonce: '0a4f113b',
  });
  const fields = parseDigestParams(header)!;
  assert.equal(fields.get('response'), '6629fae49393a05397450978507c4ef1');
  assert.equal(fields.get('nc'), '00000001');
  assert.equal(fields.get('qop'), 'auth');
  assert.equal(fields.get('opaque'), '5ccc069c403ebaf9f0171e9517f40e41');
  assert.equal(fields.get('username'), 'Mufasa');
  assert.equal(fields.get('uri'), '/dir/index.html');
});

test('RFC 7616 §3.9.1: the MD5 example', () => {
  const challenge = parseDigestChallenge(
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  )!;
  const header = digestAuthorization(challenge, {
    username: 'Mufasa',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nc: 1,
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  });
  assert.equal(parseDigestParams(header)!.get('response'), '8ca523f5e9506fed4657c9700eebdbec');
});

test('a challenge with odd spacing, tabs, escaped quotes, stale and an unquoted value', () => {
  const challenge = parseDigestChallenge(
    'digest   realm = "Jedi \\"API\\" \\\\ x" ,nonce=abc123 ,\t qop="auth" ,, stale=TRUE,algorithm = md5',
  );
  assert.deepEqual(challenge, {
    realm: 'Jedi "API" \\ x',
    nonce: 'abc123',
    qop: 'auth',
    algorithm: 'md5',
    stale: true,
  });
  // The answer quotes what it repeats: a realm with quotes survives the round trip.
  const header = digestAuthorization(challenge!, {
    username: 'id',
    password: 'key',
    method: 'PUT',
    uri: '/api/v1/print_job/state',
    nc: 2,
    cnonce: 'c',
  });
  assert.equal(parseDigestParams(header)!.get('realm'), 'Jedi "API" \\ x');
});

test('not a challenge: other schemes, missing fields, unterminated quotes, oversized headers', () => {
  assert.equal(parseDigestChallenge(undefined), undefined);
  assert.equal(parseDigestChallenge('Basic realm="x"'), undefined);
  assert.equal(parseDigestChallenge('Digestrealm="x", nonce="y"'), undefined);
  assert.equal(parseDigestChallenge('Digest realm="x"'), undefined);
  assert.equal(parseDigestChallenge('Digest nonce="y"'), undefined);
  assert.deepEqual(parseDigestChallenge('Digest realm="x", nonce="y'), { realm: 'x', nonce: 'y' });
  assert.equal(parseDigestChallenge(`Digest realm="x", nonce="${'n'.repeat(5000)}"`), undefined);
  assert.throws(
    () =>
      digestAuthorization(
        { realm: 'x', nonce: 'y', algorithm: 'SHA-256' },
        { username: 'u', password: 'p', method: 'GET', uri: '/', nc: 1 },
      ),
    /only MD5/,
  );
});

test('parsing is linear: a long run of separators or backslashes is read in one pass', () => {
  for (const filler of [',', ' ', '\\', '=', '"']) {
    const started = performance.now();
    parseDigestChallenge(`Digest realm="x", ${filler.repeat(4000)}`);
    assert.ok(performance.now() - started < 50, `"${filler}" repeated`);
  }
});
