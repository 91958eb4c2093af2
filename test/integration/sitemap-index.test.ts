/**
 * sitemap.xml past the per-file limit: a sitemaps.org index of a pages file and story files of at
 * most that many URLs, every live story exactly once, in a stable order; below it a single
 * urlset; unknown or out-of-range children 404. A small per-file limit stands in for 50,000.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { bulkInsertStories, type BulkStory } from '../helpers/bulk-stories.js';
import { parseSitemapChild, renderSitemap, renderSitemapChild } from '../../src/site/sitemaps.js';
import { AppError } from '../../src/errors.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/sitemaps/', import.meta.url));
const HOUR = 3600_000;

function xmllint(xml: string, schema: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'freewire-sitemap-'));
  try {
    const file = path.join(dir, 'sitemap.xml');
    writeFileSync(file, xml, 'utf8');
    return spawnSync('xmllint', ['--noout', '--nonet', '--schema', path.join(FIXTURES, schema), file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertValid(xml: string, schema: string, label: string): void {
  const r = xmllint(xml, schema);
  assert.equal(r.status, 0, `${label} rejected by xmllint:\n${r.stderr}`);
}

const locs = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);

async function body(render: Promise<{ body: string | Buffer }>): Promise<string> {
  return String((await render).body);
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof AppError && err.code === 'NOT_FOUND');
}

test('sitemap child names: pages.xml and stories-<n>.xml only', () => {
  assert.deepEqual(parseSitemapChild('pages.xml'), { kind: 'pages' });
  assert.deepEqual(parseSitemapChild('stories-1.xml'), { kind: 'stories', n: 1 });
  assert.deepEqual(parseSitemapChild('stories-250.xml'), { kind: 'stories', n: 250 });
  for (const bad of ['stories-0.xml', 'stories-01.xml', 'stories--1.xml', 'stories-1.xml.gz', 'stories-1', 'stories-9999999.xml', 'Stories-1.xml', '', 'x'.repeat(5000)]) {
    assert.equal(parseSitemapChild(bad), undefined, bad);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      const child = parseSitemapChild(s);
      if (child?.kind === 'stories') assert.equal(s, `stories-${child.n}.xml`);
      if (child?.kind === 'pages') assert.equal(s, 'pages.xml');
    }),
  );
});

forEachDialect('sitemap index: children of at most N URLs hold every live story once, in a stable order', async (_t: TestContext, tdb) => {
  const app = await buildTestApp(tdb);
  try {
    const { services } = app;
    const { desk: deskSlug } = await seedBasics(services);
    const desk = (await services.desks.getBySlug(deskSlug))!;
    const T0 = Date.parse('2026-01-01T00:00:00Z');
    // Several stories share a publication time, so the order needs the id as a tiebreaker.
    const stories: BulkStory[] = [];
    for (let i = 0; i < 103; i++) {
      const at = new Date(T0 + Math.floor(i / 3) * HOUR).toISOString();
      stories.push({ publishedAt: at, withdrawnAt: i % 17 === 5 ? new Date(T0 + 200 * HOUR).toISOString() : null, versionAt: i % 10 === 0 ? new Date(T0 + 300 * HOUR).toISOString() : undefined });
    }
    const ids = await bulkInsertStories(services.database.db, services.database.dialect, desk.id, stories);
    const live = await services.database.db.selectFrom('stories').select(['slug']).where('id', 'in', ids).where('status', '=', 'published').execute();
    const perFile = 25;
    const liveCount = live.length;
    assert.equal(liveCount, 103 - stories.filter((s) => s.withdrawnAt).length);

    // Below the limit: one urlset, as before, with every live story.
    const single = await body(renderSitemap(services, 1000));
    assert.match(single, /<urlset /);
    assertValid(single, 'sitemap-0.9.xsd', 'single sitemap');
    assert.equal(locs(single).filter((l) => l.includes('/stories/')).length, liveCount);
    await expectNotFound(renderSitemapChild(services, { kind: 'stories', n: 1 }, 1000));

    // Above it: an index.
    const index = await body(renderSitemap(services, perFile));
    assert.match(index, /<sitemapindex xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
    assertValid(index, 'siteindex-0.9.xsd', 'sitemap index');
    const children = locs(index);
    const files = Math.ceil(liveCount / perFile);
    assert.deepEqual(children, ['http://news.test/sitemaps/pages.xml', ...Array.from({ length: files }, (_, i) => `http://news.test/sitemaps/stories-${i + 1}.xml`)]);

    const pages = await body(renderSitemapChild(services, { kind: 'pages' }, perFile));
    assertValid(pages, 'sitemap-0.9.xsd', 'pages sitemap');
    assert.deepEqual(locs(pages), ['http://news.test/', `http://news.test/desk/${deskSlug}`]);

    const seen: string[] = [];
    const firstFile = await body(renderSitemapChild(services, { kind: 'stories', n: 1 }, perFile));
    for (let n = 1; n <= files; n++) {
      const xml = n === 1 ? firstFile : await body(renderSitemapChild(services, { kind: 'stories', n }, perFile));
      assertValid(xml, 'sitemap-0.9.xsd', `stories-${n}`);
      const urls = locs(xml);
      assert.ok(urls.length > 0 && urls.length <= perFile, `stories-${n} has ${urls.length} URLs`);
      seen.push(...urls);
    }
    // Each child's lastmod in the index is the latest lastmod of its URLs; the pages file's, the latest of all.
    const lastmods = (xml: string) => [...xml.matchAll(/<lastmod>([^<]+)<\/lastmod>/g)].map((m) => m[1]!);
    const indexDates = new Map([...index.matchAll(/<loc>([^<]+)<\/loc>\s*<lastmod>([^<]+)<\/lastmod>/g)].map((m) => [m[1]!, m[2]!]));
    let latest = '';
    for (let n = 1; n <= files; n++) {
      const dates = lastmods(await body(renderSitemapChild(services, { kind: 'stories', n }, perFile))).sort();
      const newest = dates[dates.length - 1]!;
      assert.equal(indexDates.get(`http://news.test/sitemaps/stories-${n}.xml`), newest, `lastmod of stories-${n}`);
      if (newest > latest) latest = newest;
    }
    assert.equal(indexDates.get('http://news.test/sitemaps/pages.xml'), latest);
    // Home's lastmod in the pages file: the latest change of any live story too.
    assert.equal(lastmods(pages)[0], latest);
    // Updated stories (every tenth, long after publication) make the latest change a later one than any publication.
    assert.equal(latest, new Date(T0 + 300 * HOUR).toISOString().replace('.000Z', 'Z'));
    assert.equal(new Set(seen).size, seen.length, 'no story twice');
    assert.deepEqual([...seen].sort(), live.map((s) => `http://news.test/stories/${s.slug}`).sort(), 'every live story');
    await expectNotFound(renderSitemapChild(services, { kind: 'stories', n: files + 1 }, perFile));
    await expectNotFound(renderSitemapChild(services, undefined, perFile));

    // A new story lands in the last file; the first keeps its contents.
    await bulkInsertStories(services.database.db, services.database.dialect, desk.id, [{ publishedAt: new Date(T0 + 400 * HOUR).toISOString() }]);
    assert.equal(await body(renderSitemapChild(services, { kind: 'stories', n: 1 }, perFile)), firstFile);

    // Over HTTP (the shipped limit of 50,000): a urlset, and no children.
    const res = await app.app.inject({ method: 'GET', url: '/sitemap.xml' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<urlset /);
    assert.equal(locs(res.body).filter((l) => l.includes('/stories/')).length, liveCount + 1);
    for (const url of ['/sitemaps/stories-1.xml', '/sitemaps/pages.xml', '/sitemaps/stories-0.xml', '/sitemaps/nope.xml', `/sitemaps/${'a'.repeat(150)}.xml`]) {
      const r = await app.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 404, url);
    }
    const robots = await app.app.inject({ method: 'GET', url: '/robots.txt' });
    assert.match(robots.body, /^Sitemap: http:\/\/news\.test\/sitemap\.xml$/m);
  } finally {
    await app.close();
  }
});
