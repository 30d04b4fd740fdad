import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PAGES, readPages } from './paging.ts';

/** A list of `total` entries served in pages, as the cloud does; `asked` records each request. */
function list(total: number, options: { ignoresOffset?: boolean; totalCount?: boolean } = {}) {
  const asked: Array<{ offset: number; limit: number }> = [];
  const readPage = async (page: { offset: number; limit: number }) => {
    asked.push(page);
    const from = options.ignoresOffset ? 0 : page.offset;
    const uris = Array.from({ length: Math.max(0, Math.min(page.limit, total - from)) }, (_, i) => ({
      uri: `/thing/${from + i}/`,
    }));
    return { resources: uris, ...(options.totalCount === false ? {} : { total_count: total }) };
  };
  return { asked, readPage };
}

test('a list is read page by page to total_count, or without it to a short page', async () => {
  const counted = list(250);
  const read = await readPages(counted.readPage);
  assert.equal(read.entries.length, 250);
  assert.equal(read.complete, true);
  assert.deepEqual(
    counted.asked.map((p) => p.offset),
    [0, 100, 200],
  );
  const uncounted = list(200, { totalCount: false });
  const all = await readPages(uncounted.readPage);
  assert.equal(all.entries.length, 200);
  assert.equal(uncounted.asked.length, 3, 'two full pages, then the empty one that ends it');
});

test('with a key, a cloud that ignores the offset costs two requests, not the page cap, and no entry twice', async () => {
  const repeating = list(250, { ignoresOffset: true });
  const read = await readPages(repeating.readPage, { key: (entry) => entry.uri });
  assert.equal(repeating.asked.length, 2);
  assert.equal(read.entries.length, 100);
  assert.equal(new Set(read.entries.map((e) => e.uri)).size, 100);
  assert.equal(read.complete, true);
  // Without a key, the same cloud is read to the cap and the cut is said.
  const unkeyed = list(1_000_000, { ignoresOffset: true });
  const cut = await readPages(unkeyed.readPage);
  assert.equal(unkeyed.asked.length, MAX_PAGES);
  assert.equal(cut.complete, false);
});

test('a list whose total_count never comes true is cut at MAX_PAGES, marked incomplete', async () => {
  const endless = list(1_000_000);
  const read = await readPages(endless.readPage, { key: (entry) => entry.uri });
  assert.equal(endless.asked.length, MAX_PAGES);
  assert.equal(read.entries.length, MAX_PAGES * 100);
  assert.equal(read.complete, false);
});
