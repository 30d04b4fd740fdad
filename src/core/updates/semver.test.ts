import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, formatVersion, parseVersion } from './semver.ts';

function cmp(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  assert.ok(x && y, `${a} and ${b} parse`);
  return compareVersions(x, y);
}

test('release versions compare by major, minor, patch, as numbers', () => {
  assert.equal(cmp('1.2.3', '1.2.3'), 0);
  assert.equal(cmp('1.2.10', '1.2.9'), 1);
  assert.equal(cmp('1.10.0', '1.9.99'), 1);
  assert.equal(cmp('2.0.0', '10.0.0'), -1);
  assert.equal(cmp('0.1.0', '0.0.9'), 1);
});

test('short, v-prefixed and build-tagged versions are read leniently', () => {
  assert.equal(cmp('2', '2.0.0'), 0);
  assert.equal(cmp('2.1', '2.1.0'), 0);
  assert.equal(cmp('v1.2.3', '1.2.3'), 0);
  assert.equal(cmp(' 1.2.3 ', '1.2.3'), 0);
  assert.equal(cmp('1.2.3+build.7', '1.2.3+build.9'), 0);
  assert.equal(formatVersion(parseVersion('v2.1+x')!), '2.1.0');
});

test('a pre-release sorts before its release, and pre-releases by their parts', () => {
  assert.equal(cmp('1.2.0-rc.1', '1.2.0'), -1);
  assert.equal(cmp('1.2.0', '1.2.0-rc.1'), 1);
  assert.equal(cmp('1.2.0-rc.1', '1.1.9'), 1);
  assert.equal(cmp('1.0.0-alpha', '1.0.0-alpha.1'), -1);
  assert.equal(cmp('1.0.0-alpha.1', '1.0.0-alpha.beta'), -1);
  assert.equal(cmp('1.0.0-beta.2', '1.0.0-beta.11'), -1);
  assert.equal(cmp('1.0.0-beta.11', '1.0.0-rc.1'), -1);
  assert.equal(cmp('1.0.0-rc.1', '1.0.0-rc.1'), 0);
  assert.equal(formatVersion(parseVersion('1.2.0-rc.1')!), '1.2.0-rc.1');
});

test('odd strings are not versions', () => {
  for (const odd of [
    '',
    'latest',
    '1.2.3.4',
    '1.x',
    '01.2.3',
    '1.2.3-',
    '1..2',
    '-1.0.0',
    '1.2.3-rc..1',
    '１.２.３',
    '99999999999.0.0',
  ]) {
    assert.equal(parseVersion(odd), undefined, JSON.stringify(odd));
  }
});
