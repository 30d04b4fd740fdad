import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextPageUrl } from './next-page.ts';

const api = 'https://api.example.com/developer/v1/';

test('a next page on the API origin is followed, absolute or relative to the API URL', () => {
  assert.deepEqual(nextPageUrl('https://api.example.com/developer/v1/printers/?page=2', api), {
    url: 'https://api.example.com/developer/v1/printers/?page=2',
  });
  assert.deepEqual(nextPageUrl('printers/?page=3', api), {
    url: 'https://api.example.com/developer/v1/printers/?page=3',
  });
  assert.equal(nextPageUrl(null, api), undefined);
  assert.equal(nextPageUrl('', api), undefined);
});

test('a next page elsewhere (another host, port or scheme) is refused, so the credentials never go there', () => {
  for (const next of [
    'https://evil.example.net/developer/v1/printers/?page=2',
    'https://api.example.com:8443/developer/v1/printers/?page=2',
    'http://api.example.com/developer/v1/printers/?page=2',
    '//evil.example.net/printers/',
    'http://[not a url',
  ]) {
    assert.ok(nextPageUrl(next, api) && 'refused' in nextPageUrl(next, api)!, next);
  }
});

test('with the URLs read so far, a next back to a page already read ends the walk', () => {
  const first = 'https://api.example.com/developer/v1/printers/';
  const seen = new Set([first]);
  assert.deepEqual(nextPageUrl('printers/?page=2', api, seen), { url: `${first}?page=2` });
  assert.deepEqual(nextPageUrl(first, api, seen), { repeated: first });
  assert.deepEqual(nextPageUrl(`${first}?page=2`, api, seen), { repeated: `${first}?page=2` });
  assert.deepEqual(nextPageUrl('printers/?page=3', api, seen), { url: `${first}?page=3` });
});
