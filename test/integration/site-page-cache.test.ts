/**
 * The page cache on its own (no database): generations, bounds, stale renders, shared renders
 * and Accept-Encoding negotiation.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CachedPage, PageCache, preferredEncoding, type Rendered } from '../../src/site/page-cache.js';
import { normaliseQuery } from '../../src/site/pages/search.js';

const page = (body: string, extra: Partial<Rendered> = {}): Rendered => ({ type: 'text/html; charset=utf-8', body, ...extra });

describe('PageCache', () => {
  test('serves a stored page until the generation changes', async () => {
    const cache = new PageCache({ maxEntries: 10, maxBytes: 1 << 20 });
    let renders = 0;
    const render = async () => page(`render ${++renders}`);
    assert.equal((await cache.getOrRender('/a', 1, render)).body.toString(), 'render 1');
    assert.equal((await cache.getOrRender('/a', 1, render)).body.toString(), 'render 1');
    assert.equal(renders, 1);
    assert.equal((await cache.getOrRender('/a', 2, render)).body.toString(), 'render 2', 'new generation, new render');
    assert.equal(cache.size, 1);
  });

  test('a render that started before a change is served once but not kept', async () => {
    const cache = new PageCache({ maxEntries: 10, maxBytes: 1 << 20 });
    let release!: () => void;
    const slow = cache.getOrRender('/a', 1, () => new Promise<Rendered>((r) => (release = () => r(page('old')))));
    // A newer generation arrives while the old render is still running.
    assert.equal((await cache.getOrRender('/b', 2, async () => page('b'))).body.toString(), 'b');
    release();
    assert.equal((await slow).body.toString(), 'old');
    assert.equal(cache.get('/a', 2), undefined, 'stale render not stored');
  });

  test('concurrent misses share one render; failures are not cached', async () => {
    const cache = new PageCache({ maxEntries: 10, maxBytes: 1 << 20 });
    let renders = 0;
    const render = async () => {
      renders++;
      await new Promise((r) => setTimeout(r, 5));
      return page('x');
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.getOrRender('/a', 1, render)));
    assert.equal(renders, 1);
    assert.ok(results.every((r) => r === results[0]));

    let attempts = 0;
    const failing = async (): Promise<Rendered> => {
      attempts++;
      throw new Error('not found');
    };
    await assert.rejects(cache.getOrRender('/missing', 1, failing));
    await assert.rejects(cache.getOrRender('/missing', 1, failing));
    assert.equal(attempts, 2);
  });

  test('bounded by entries (least recently used goes first) and by bytes', async () => {
    const cache = new PageCache({ maxEntries: 3, maxBytes: 1 << 20 });
    for (const k of ['/1', '/2', '/3']) await cache.getOrRender(k, 1, async () => page(k));
    assert.ok(cache.get('/1', 1), 'touch /1 so /2 is the oldest');
    await cache.getOrRender('/4', 1, async () => page('/4'));
    assert.equal(cache.size, 3);
    assert.equal(cache.get('/2', 1), undefined);
    assert.ok(cache.get('/1', 1));

    const small = new PageCache({ maxEntries: 100, maxBytes: 8000 });
    for (let i = 0; i < 10; i++) await small.getOrRender(`/${i}`, 1, async () => page('y'.repeat(900)));
    assert.ok(small.byteSize <= 8000, `holds ${small.byteSize} bytes`);
    assert.ok(small.size < 10);
  });

  test('entries with a time to live expire', async () => {
    const cache = new PageCache({ maxEntries: 10, maxBytes: 1 << 20 });
    await cache.getOrRender('/news', 1, async () => page('n', { ttlMs: -1 }));
    assert.equal(cache.get('/news', 1), undefined);
  });
});

describe('CachedPage', () => {
  test('strong ETag per encoding; compressed variants made once and only when smaller', () => {
    const p = new CachedPage(page('<p>hello</p>'.repeat(500)), Date.now());
    assert.match(p.etag('identity'), /^"[A-Za-z0-9_-]{27}"$/);
    assert.notEqual(p.etag('gzip'), p.etag('identity'));
    assert.ok(p.matches(p.etag('gzip')) && p.matches(`W/${p.etag('identity')}`) && p.matches('*'));
    assert.ok(!p.matches('"something-else"'));
    const gz = p.variant('gzip')!;
    assert.equal(p.variant('gzip'), gz, 'computed once');
    assert.equal(gunzipSync(gz).toString(), '<p>hello</p>'.repeat(500));
    assert.equal(new CachedPage(page('tiny'), Date.now()).variant('br'), null);
    assert.equal(p.headersFor('gzip')['content-encoding'], 'gzip');
    assert.equal(new CachedPage(page('gone', { status: 410 }), Date.now()).headersFor('identity').etag, undefined);
  });

  test('preferredEncoding follows q-values', () => {
    assert.equal(preferredEncoding(undefined), 'identity');
    assert.equal(preferredEncoding('gzip, deflate, br'), 'br');
    assert.equal(preferredEncoding('gzip'), 'gzip');
    assert.equal(preferredEncoding('br;q=0, gzip'), 'gzip');
    assert.equal(preferredEncoding('br;q=0.5, gzip;q=0.9'), 'gzip');
    assert.equal(preferredEncoding('identity'), 'identity');
    assert.equal(preferredEncoding('*'), 'br');
    assert.equal(preferredEncoding('*;q=0'), 'identity');
    assert.equal(preferredEncoding(';;;,,,q=zz'), 'identity');
  });
});

describe('normaliseQuery', () => {
  test('strips control characters, collapses spaces, cuts at 200 code points', () => {
    assert.equal(normaliseQuery(undefined), '');
    assert.equal(normaliseQuery('  river\u0000  levels\n'), 'river levels');
    assert.equal(normaliseQuery('a'.repeat(500)).length, 200);
    const emoji = normaliseQuery('🌊'.repeat(300));
    assert.equal(Array.from(emoji).length, 200);
    assert.ok(!/[\uD800-\uDBFF]$/.test(emoji), 'no half surrogate pair at the end');
  });
});
