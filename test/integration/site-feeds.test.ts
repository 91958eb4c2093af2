/**
 * Feeds, sitemaps and robots.txt as served: content types, which stories each feed carries,
 * absolute URLs, parseability by a real feed reader and the JSON Feed schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Parser from 'rss-parser';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, publishStory, seedBasics } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const jsonFeedSchema = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/jsonfeed/jsonfeed-schema-v1.1.json'), 'utf8')) as object;

const TYPES: Record<string, string> = {
  'feed.xml': 'application/rss+xml; charset=utf-8',
  'atom.xml': 'application/atom+xml; charset=utf-8',
  'feed.json': 'application/feed+json; charset=utf-8',
};

forEachDialect('feeds: site, desk and author in three formats', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    await services.settings.update(SYSTEM_ACTOR, { siteName: 'Valley Post', language: 'en-US' });
    const politics = await services.desks.create(SYSTEM_ACTOR, { name: 'Statehouse' });
    const ben = await services.authors.create(SYSTEM_ACTOR, { name: 'Ben Writer', title: 'Capitol Reporter' });
    const water = await publishStory(services, {
      headline: 'Aquifer drops again',
      summary: 'Levels fell for a third year.',
      body: 'Read [our earlier story](/stories/older-story) and **more**.',
      desk: basics.desk,
      authors: [basics.author],
      tags: ['Water'],
    });
    const budget = await publishStory(services, { headline: 'Budget vote delayed', desk: politics.slug, authors: [ben.slug] });
    const draft = await services.stories.create(SYSTEM_ACTOR, { headline: 'Secret draft', body: 'x', desk: basics.desk, authors: [basics.author] });

    const scopes: Array<[string, string[], string[]]> = [
      ['', [water.slug, budget.slug], [draft.slug]],
      ['/desk/environment', [water.slug], [budget.slug, draft.slug]],
      ['/desk/statehouse', [budget.slug], [water.slug]],
      ['/author/ada-reporter', [water.slug], [budget.slug, draft.slug]],
      [`/author/${ben.slug}`, [budget.slug], [water.slug]],
    ];
    const parser = new Parser();
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validateJsonFeed = ajv.compile(jsonFeedSchema);

    for (const [base, present, absent] of scopes) {
      for (const [file, type] of Object.entries(TYPES)) {
        const url = `${base}/${file}`;
        const res = await app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['content-type'], type, url);
        assert.equal(res.headers['cache-control'], 'public, max-age=60', url);
        assert.ok(res.headers.etag, url);
        for (const slug of present) assert.ok(res.body.includes(`http://news.test/stories/${slug}`), `${url} has ${slug}`);
        for (const slug of absent) assert.ok(!res.body.includes(slug), `${url} lacks ${slug}`);

        if (file === 'feed.json') {
          const feed = JSON.parse(res.body) as { feed_url: string; home_page_url: string; language: string; items: Array<{ url: string; content_html: string; id: string }> };
          assert.ok(validateJsonFeed(feed), `${url}: ${ajv.errorsText(validateJsonFeed.errors)}`);
          assert.equal(feed.feed_url, `http://news.test${url}`);
          assert.equal(feed.home_page_url, `http://news.test${base || '/'}`);
          assert.equal(feed.language, 'en-US');
          assert.equal(feed.items.length, present.length);
          for (const item of feed.items) {
            assert.match(item.url, /^http:\/\/news\.test\/stories\//);
            assert.match(item.id, /^urn:uuid:[0-9a-f-]{36}$/);
          }
        } else {
          const parsed = await parser.parseString(res.body);
          assert.equal(parsed.items.length, present.length, url);
          assert.match(parsed.title ?? '', /^Valley Post/);
        }
      }
    }

    // Full content, with root-relative links made absolute for readers off-site.
    const rss = (await app.inject({ method: 'GET', url: '/desk/environment/feed.xml' })).body;
    const item = (await new Parser().parseString(rss)).items[0]!;
    assert.match(item['content:encoded'] ?? '', /<strong>more<\/strong>/);
    assert.match(item['content:encoded'] ?? '', /href="http:\/\/news\.test\/stories\/older-story"/);
    assert.equal(item.contentSnippet !== undefined, true);
    assert.match(rss, /<category>Environment<\/category>/);
    assert.match(rss, /<category>Water<\/category>/);
    assert.match(rss, /<dc:creator>Ada Reporter<\/dc:creator>/);
    const atom = (await app.inject({ method: 'GET', url: '/author/ada-reporter/atom.xml' })).body;
    assert.match(atom, /<link rel="self" href="http:\/\/news\.test\/author\/ada-reporter\/atom\.xml"/);
    assert.match(atom, /<uri>http:\/\/news\.test\/author\/ada-reporter<\/uri>/);

    // Unknown desks and authors have no feed.
    for (const url of ['/desk/nope/feed.xml', '/author/nope/atom.xml', '/desk/%00/feed.json']) {
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
    }
    // An empty desk has a valid, empty feed.
    await services.desks.create(SYSTEM_ACTOR, { name: 'Quiet' });
    const quiet = await app.inject({ method: 'GET', url: '/desk/quiet/feed.json' });
    assert.equal(quiet.statusCode, 200);
    assert.deepEqual((JSON.parse(quiet.body) as { items: unknown[] }).items, []);
  } finally {
    await t.close();
  }
});

forEachDialect('sitemaps and robots.txt', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    await services.settings.update(SYSTEM_ACTOR, { siteName: 'Valley Post', language: 'en-US' });
    await services.desks.create(SYSTEM_ACTOR, { name: 'Empty desk' });
    const fresh = await publishStory(services, { headline: 'Fresh story', desk: basics.desk, authors: [basics.author] });
    const old = await publishStory(services, { headline: 'Old story', desk: basics.desk, authors: [basics.author] });
    const draft = await services.stories.create(SYSTEM_ACTOR, { headline: 'Draft story', body: 'x', desk: basics.desk, authors: [basics.author] });
    // Back-date one story beyond the news sitemap's two-day window.
    await services.database.db.updateTable('stories').set({ published_at: new Date(Date.now() - 3 * 86_400_000).toISOString() }).where('id', '=', old.id).execute();
    services.changes.bump();

    const sm = await app.inject({ method: 'GET', url: '/sitemap.xml' });
    assert.equal(sm.statusCode, 200);
    assert.equal(sm.headers['content-type'], 'application/xml; charset=utf-8');
    for (const loc of ['http://news.test/', 'http://news.test/desk/environment', 'http://news.test/author/ada-reporter', `http://news.test/stories/${fresh.slug}`, `http://news.test/stories/${old.slug}`]) {
      assert.ok(sm.body.includes(`<loc>${loc}</loc>`), `sitemap has ${loc}`);
    }
    assert.ok(!sm.body.includes(draft.slug), 'no drafts');
    assert.ok(!sm.body.includes('/desk/empty-desk'), 'no empty desks');
    assert.equal((sm.body.match(/<url>/g) ?? []).length, (sm.body.match(/<lastmod>\d{4}-\d{2}-\d{2}T[\d:]+Z<\/lastmod>/g) ?? []).length, 'every URL has a lastmod');

    const news = await app.inject({ method: 'GET', url: '/news-sitemap.xml' });
    assert.equal(news.statusCode, 200);
    assert.equal(news.headers['content-type'], 'application/xml; charset=utf-8');
    assert.ok(news.body.includes(`<loc>http://news.test/stories/${fresh.slug}</loc>`));
    assert.ok(!news.body.includes(old.slug), 'older than two days');
    assert.match(news.body, /<news:name>Valley Post<\/news:name>/);
    assert.match(news.body, /<news:language>en<\/news:language>/);
    assert.match(news.body, /<news:title>Fresh story<\/news:title>/);

    const robots = await app.inject({ method: 'GET', url: '/robots.txt' });
    assert.equal(robots.statusCode, 200);
    assert.equal(robots.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(robots.body, /^User-agent: \*$/m);
    assert.match(robots.body, /^Sitemap: http:\/\/news\.test\/sitemap\.xml$/m);
    assert.match(robots.body, /^Sitemap: http:\/\/news\.test\/news-sitemap\.xml$/m);
  } finally {
    await t.close();
  }
});
