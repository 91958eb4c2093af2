/**
 * The reader site through HTTP on both engines: what a reader sees on the home, story, desk,
 * author and tag pages; corrections; withdrawal; search; pagination; caching (ETag, 304,
 * compression, invalidation on change); and that hostile content or input stays inert.
 */
import assert from 'node:assert/strict';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, publishStory, seedBasics, TINY_PNG as PNG } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';


async function get(app: FastifyInstance, url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url, headers });
}

function jsonLd(html: string): Record<string, unknown> {
  const m = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'page has a JSON-LD block');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

function meta(html: string, property: string): string[] {
  const re = new RegExp(`<meta (?:property|name)="${property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" content="([^"]*)"`, 'g');
  return [...html.matchAll(re)].map((m) => m[1]!);
}

/** Every <script> on our pages is a same-origin file or JSON-LD data; nothing inline runs. */
function assertNoInlineScript(html: string): void {
  for (const m of html.matchAll(/<script\b([^>]*)>/gi)) {
    const attrs = m[1]!;
    assert.ok(/\bsrc="\/assets\/[a-z-]+\.js"/.test(attrs) || /type="application\/ld\+json"/.test(attrs), `unexpected script tag: ${m[0]}`);
  }
  assert.doesNotMatch(html, /\sstyle="/i, 'no inline style attributes (CSP style-src self)');
  assert.doesNotMatch(html, /<style/i);
}

forEachDialect('story page: headline, byline, notices, head metadata, controls', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    const logo = await services.media.store(SYSTEM_ACTOR, { filename: 'logo.png', data: PNG });
    const photo = await services.media.store(SYSTEM_ACTOR, { filename: 'river.png', data: PNG, alt: 'The river at dawn' });
    await services.settings.update(SYSTEM_ACTOR, {
      siteName: 'Valley Post',
      syndicationNotice: 'Free to republish for eligible outlets under our terms.',
      tipsContact: 'tips@valley.example',
      licensingContact: 'licensing@valley.example',
      logoMediaId: logo.id,
    });
    const second = await services.authors.create(SYSTEM_ACTOR, {
      name: 'Ben Writer',
      title: 'Data Editor',
      links: { mastodon: '@ben@social.example', twitter: 'benw', email: 'ben@valley.example' },
      tipsContact: 'Signal 555-0100',
    });
    const created = await services.stories.create(SYSTEM_ACTOR, {
      headline: 'River levels fall to a record low',
      summary: 'Farmers downstream face water limits.',
      body: 'The **river** dropped to its lowest level since records began.\n\nMore paragraphs follow.',
      dateline: 'MILLFORD',
      desk: basics.desk,
      authors: [basics.author, second.slug],
      tags: ['Drought', 'Water'],
      leadImageId: photo.id,
      leadImageCaption: 'The river near Millford.',
      leadImageCredit: 'Jo Photographer',
    });
    await services.stories.publish(SYSTEM_ACTOR, created.id);

    const res = await get(app, `/stories/${created.slug}`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    const html = res.body;

    assert.equal((html.match(/<h1[\s>]/g) ?? []).length, 1, 'exactly one h1');
    assert.match(html, /<h1 class="story-headline">River levels fall to a record low<\/h1>/);
    assert.match(html, /<html lang="en">/);
    assert.match(html, /<a class="skip-link" href="#main">/);
    assert.match(html, /<main id="main"/);
    assert.match(html, /Farmers downstream face water limits\./);
    // Byline: each author linked, with their title.
    assert.match(html, /<a href="\/author\/ada-reporter">Ada Reporter<\/a><span class="byline-title">, Environment Reporter<\/span>/);
    assert.match(html, /<a href="\/author\/ben-writer">Ben Writer<\/a><span class="byline-title">, Data Editor<\/span>/);
    assert.match(html, /<time datetime="\d{4}-\d{2}-\d{2}T[^"]+Z">[^<]+UTC<\/time>/);
    assert.match(html, /MILLFORD/);
    assert.match(html, /<strong>river<\/strong>/, 'body rendered from Markdown');
    // Logo and site name.
    assert.ok(html.includes(`src="/media/${logo.id}"`), 'logo shown');
    assert.match(html, /Valley Post/);
    // Lead image with alt, caption and credit.
    assert.ok(html.includes(`<img src="/media/${photo.id}" alt="The river at dawn"/>`));
    assert.match(html, /The river near Millford\./);
    assert.match(html, /Jo Photographer/);
    // Notices set by the admin.
    assert.match(html, /Free to republish for eligible outlets under our terms\./);
    assert.match(html, /licensing@valley\.example/);
    assert.match(html, /href="\/republish"/);
    assert.match(html, /href="\/license"/);
    assert.match(html, /<a class="button-link" href="\/tips">Send us a tip<\/a>/);
    assert.match(html, /tips@valley\.example/);
    assert.match(html, /Signal 555-0100/, "author's tips contact");
    // Follow links for each author, plus their feeds.
    assert.match(html, /href="https:\/\/bsky\.app\/profile\/ada\.example\.social"/);
    assert.match(html, /href="https:\/\/social\.example\/@ben"/);
    assert.match(html, /href="https:\/\/x\.com\/benw"/);
    assert.match(html, /href="mailto:ben@valley\.example"/);
    assert.match(html, /href="\/author\/ada-reporter\/feed\.xml"/);
    assert.match(html, /href="\/author\/ben-writer\/feed\.xml"/);
    // Tags link to tag pages.
    assert.match(html, /<a href="\/tag\/drought">Drought<\/a>/);

    // Text-size control: three labelled toggle buttons, hidden until the script runs.
    assert.match(html, /<div class="text-size" role="group" aria-labelledby="text-size-label" hidden>/);
    for (const [label, text] of [['A− Smaller text', 'A−'], ['A Standard text size', 'A'], ['A\\+ Larger text', 'A\\+']]) {
      assert.match(html, new RegExp(`<button type="button" data-text-size="[a-z]+" aria-label="${label}" aria-pressed="(true|false)">${text}</button>`));
    }
    assert.match(html, /<script src="\/assets\/text-size\.js" defer><\/script>/);
    assert.match(html, /<script src="\/assets\/site-text-size-init\.js"><\/script>/);
    for (const asset of ['/assets/text-size.js', '/assets/site-text-size-init.js', '/assets/site.css']) {
      assert.equal((await get(app, asset)).statusCode, 200, asset);
    }

    // Head: canonical, description, Open Graph, Twitter, feeds.
    const url = `http://news.test/stories/${created.slug}`;
    assert.ok(html.includes(`<link rel="canonical" href="${url}"/>`));
    assert.deepEqual(meta(html, 'description'), ['Farmers downstream face water limits.']);
    assert.deepEqual(meta(html, 'og:type'), ['article']);
    assert.deepEqual(meta(html, 'og:title'), ['River levels fall to a record low']);
    assert.deepEqual(meta(html, 'og:url'), [url]);
    assert.deepEqual(meta(html, 'og:site_name'), ['Valley Post']);
    assert.deepEqual(meta(html, 'og:description'), ['Farmers downstream face water limits.']);
    assert.deepEqual(meta(html, 'og:image'), [`http://news.test/media/${photo.id}`]);
    assert.deepEqual(meta(html, 'article:section'), ['Environment']);
    assert.deepEqual(meta(html, 'article:tag'), ['Drought', 'Water']);
    assert.equal(meta(html, 'article:published_time').length, 1);
    assert.equal(meta(html, 'article:modified_time').length, 1);
    assert.deepEqual(meta(html, 'twitter:card'), ['summary_large_image']);
    assert.match(html, /<link rel="alternate" type="application\/rss\+xml" title="[^"]*" href="http:\/\/news\.test\/feed\.xml"\/>/);
    assert.match(html, /<link rel="alternate" type="application\/atom\+xml" title="[^"]*" href="http:\/\/news\.test\/atom\.xml"\/>/);
    assert.match(html, /<link rel="alternate" type="application\/feed\+json" title="[^"]*" href="http:\/\/news\.test\/feed\.json"\/>/);

    // NewsArticle JSON-LD.
    const ld = jsonLd(html);
    assert.equal(ld['@context'], 'https://schema.org');
    assert.equal(ld['@type'], 'NewsArticle');
    assert.equal(ld.headline, 'River levels fall to a record low');
    assert.equal(ld.description, 'Farmers downstream face water limits.');
    assert.equal(ld.url, url);
    assert.deepEqual(ld.mainEntityOfPage, { '@type': 'WebPage', '@id': url });
    assert.equal(ld.articleSection, 'Environment');
    assert.equal(ld.keywords, 'Drought, Water');
    assert.deepEqual(ld.image, [`http://news.test/media/${photo.id}`]);
    assert.equal(typeof ld.wordCount, 'number');
    assert.ok(!Number.isNaN(Date.parse(String(ld.datePublished))));
    assert.ok(!Number.isNaN(Date.parse(String(ld.dateModified))));
    assert.deepEqual(ld.author, [
      { '@type': 'Person', name: 'Ada Reporter', url: 'http://news.test/author/ada-reporter', jobTitle: 'Environment Reporter' },
      { '@type': 'Person', name: 'Ben Writer', url: 'http://news.test/author/ben-writer', jobTitle: 'Data Editor' },
    ]);
    assert.deepEqual(ld.publisher, {
      '@type': 'NewsMediaOrganization',
      name: 'Valley Post',
      url: 'http://news.test/',
      logo: { '@type': 'ImageObject', url: `http://news.test/media/${logo.id}` },
    });

    // Layout on every page: search form with a label, footer links.
    assert.match(html, /<form class="site-search" role="search" aria-label="Site search" action="\/search" method="get"><label class="visually-hidden" for="site-search-q">/);
    assert.match(html, /<input id="site-search-q" type="search" name="q"/);
    assert.match(html, /<a href="\/tips">Send a tip<\/a>/);
    assert.match(html, /<a href="\/republish">Republish our stories<\/a>/);
    assert.match(html, /<a href="\/license">License our content<\/a>/);
    assertNoInlineScript(html);

    // Missing story and malformed slugs are plain 404s.
    assert.equal((await get(app, '/stories/no-such-story')).statusCode, 404);
    assert.equal((await get(app, '/stories/%00')).statusCode, 404);
    assert.equal((await get(app, `/stories/${'x'.repeat(150)}`)).statusCode, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('home, desk, author and tag pages list live stories only', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    const other = await services.desks.create(SYSTEM_ACTOR, { name: 'Statehouse' });
    const live = await publishStory(services, { headline: 'Wells tested near the airfield', desk: basics.desk, authors: [basics.author], tags: ['Water'] });
    const politics = await publishStory(services, { headline: 'Budget passes the senate', desk: other.slug, authors: [basics.author] });
    const draft = await services.stories.create(SYSTEM_ACTOR, { headline: 'Unfinished draft about dams', body: 'Draft body.', desk: basics.desk, authors: [basics.author] });

    const home = await get(app, '/');
    assert.equal(home.statusCode, 200);
    assert.ok(home.body.includes(`href="/stories/${live.slug}"`));
    assert.ok(home.body.includes(`href="/stories/${politics.slug}"`));
    assert.ok(!home.body.includes(draft.slug), 'drafts are not on the home page');
    assert.doesNotMatch(home.body, /Unfinished draft/);
    assert.match(home.body, /<nav class="desk-nav" aria-label="Desks">/);
    assert.match(home.body, /<a href="\/desk\/statehouse">Statehouse<\/a>/);
    assert.match(home.body, /<h2 id="desk-environment">Environment<\/h2>/, 'a section per desk');
    assert.equal((home.body.match(/<h1[\s>]/g) ?? []).length, 1);
    assert.equal((await get(app, `/stories/${draft.slug}`)).statusCode, 404, 'drafts have no public page');

    const desk = await get(app, '/desk/environment');
    assert.equal(desk.statusCode, 200);
    assert.match(desk.body, /<h1>Environment<\/h1>/);
    assert.match(desk.body, /Air, water and land/);
    assert.ok(desk.body.includes(`href="/stories/${live.slug}"`));
    assert.ok(!desk.body.includes(`href="/stories/${politics.slug}"`), 'only this desk');
    assert.match(desk.body, /<a href="\/desk\/environment" aria-current="page">/);
    assert.match(desk.body, /href="http:\/\/news\.test\/desk\/environment\/feed\.xml"/);

    const author = await get(app, '/author/ada-reporter');
    assert.equal(author.statusCode, 200);
    assert.match(author.body, /<h1>Ada Reporter<\/h1>/);
    assert.match(author.body, /Environment Reporter/);
    assert.match(author.body, /Covers water\./);
    assert.match(author.body, /href="https:\/\/bsky\.app\/profile\/ada\.example\.social"/);
    assert.match(author.body, /href="\/author\/ada-reporter\/feed\.xml"/);
    assert.ok(author.body.includes(`href="/stories/${live.slug}"`) && author.body.includes(`href="/stories/${politics.slug}"`));
    assert.ok(!author.body.includes(draft.slug));

    const tag = await get(app, '/tag/water');
    assert.equal(tag.statusCode, 200);
    assert.match(tag.body, /<h1>Water<\/h1>/);
    assert.ok(tag.body.includes(`href="/stories/${live.slug}"`));
    assert.ok(!tag.body.includes(`href="/stories/${politics.slug}"`));

    for (const url of ['/desk/nope', '/author/nope', '/tag/nope', '/desk/%00', '/author/Ada', '/tag/a..b']) {
      assert.equal((await get(app, url)).statusCode, 404, url);
    }
  } finally {
    await t.close();
  }
});

forEachDialect('pagination: 20 a page, rel prev/next, 404 past the end', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    const slugs: string[] = [];
    for (let i = 1; i <= 23; i++) {
      slugs.push((await publishStory(services, { headline: `Story number ${i}`, desk: basics.desk, authors: [basics.author], tags: ['Series'] })).slug);
    }
    const newest = slugs[slugs.length - 1]!;
    const oldest = slugs[0]!;
    for (const base of ['/desk/environment', '/author/ada-reporter', '/tag/series', '/']) {
      const sep = base === '/' ? '/?' : `${base}?`;
      const first = await get(app, base);
      assert.equal(first.statusCode, 200, base);
      assert.ok(first.body.includes(`href="/stories/${newest}"`), `${base}: newest on page 1`);
      assert.ok(!first.body.includes(`href="/stories/${oldest}"`), `${base}: oldest not on page 1`);
      assert.ok(first.body.includes(`<link rel="next" href="http://news.test${sep}page=2"/>`), `${base}: rel=next`);
      assert.doesNotMatch(first.body, /<link rel="prev"/);
      assert.match(first.body, /rel="next">Older stories/);

      const second = await get(app, `${sep}page=2`);
      assert.equal(second.statusCode, 200, `${base} page 2`);
      assert.ok(second.body.includes(`href="/stories/${oldest}"`), `${base}: oldest on page 2`);
      assert.ok(!second.body.includes(`href="/stories/${newest}"`));
      assert.ok(second.body.includes(`<link rel="prev" href="http://news.test${base}"/>`), `${base}: rel=prev`);
      assert.ok(second.body.includes(`<link rel="canonical" href="http://news.test${sep}page=2"/>`));
      assert.doesNotMatch(second.body, /<link rel="next"/);

      assert.equal((await get(app, `${sep}page=1`)).statusCode, 200);
      for (const bad of ['3', '0', '-1', 'abc', '1.5', '99999999']) {
        assert.equal((await get(app, `${sep}page=${bad}`)).statusCode, 404, `${base} page=${bad}`);
      }
    }
    // Page 1 of an empty listing is a page (with a note), not a 404.
    await services.desks.create(SYSTEM_ACTOR, { name: 'Quiet desk' });
    const empty = await get(app, '/desk/quiet-desk');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /has not published any stories yet/);
    assert.equal((await get(app, '/desk/quiet-desk?page=2')).statusCode, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('corrections and updates appear at once; ETag, 304 and compression', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    const story = await publishStory(services, { headline: 'Council approves the dam', body: 'The council voted 7-2 on Tuesday.', desk: basics.desk, authors: [basics.author] });
    const url = `/stories/${story.slug}`;

    const first = await get(app, url);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['cache-control'], 'public, max-age=60');
    assert.equal(first.headers.vary, 'Accept-Encoding');
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/, 'strong ETag');
    assert.doesNotMatch(first.body, /Correction:/);

    const again = await get(app, url, { 'if-none-match': etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);

    // Compressed variants decode to the same page and carry their own validators.
    const gz = await get(app, url, { 'accept-encoding': 'gzip, deflate' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), first.body);
    assert.notEqual(gz.headers.etag, etag);
    const br = await get(app, url, { 'accept-encoding': 'gzip, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString('utf8'), first.body);
    assert.equal((await get(app, url, { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) })).statusCode, 304);
    const identity = await get(app, url, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    assert.equal(identity.headers['content-encoding'], undefined);

    // A correction shows up on the very next request, near the top with its date.
    await services.stories.amend(SYSTEM_ACTOR, story.id, 'correction', 'An earlier version misstated the vote as 6-3.', undefined);
    const corrected = await get(app, url, { 'if-none-match': etag });
    assert.equal(corrected.statusCode, 200, 'old ETag no longer matches');
    assert.notEqual(corrected.headers.etag, etag);
    assert.match(corrected.body, /<strong>Correction:<\/strong> An earlier version misstated the vote as 6-3\./);
    assert.ok(corrected.body.indexOf('<strong>Correction:</strong>') < corrected.body.indexOf('class="story-body"'), 'correction shown above the body');
    assert.match(corrected.body, /<p class="note-date"><time datetime="[^"]+">/);
    assert.match(corrected.body, /Updated <time/);

    await services.stories.amend(SYSTEM_ACTOR, story.id, 'update', 'Added the mayor’s response.', 'The council voted 7-2 on Tuesday.\n\nThe mayor said she would sign it.');
    const updated = await get(app, url);
    assert.match(updated.body, /<strong>Update:<\/strong> Added the mayor’s response\./);
    assert.match(updated.body, /The mayor said she would sign it\./);
    assert.match(updated.body, /<strong>Correction:<\/strong>/, 'earlier correction still shown');

    // New stories reach the (cached) home page and feeds immediately.
    const homeBefore = await get(app, '/');
    const feedBefore = await get(app, '/feed.xml');
    assert.equal(homeBefore.statusCode, 200);
    const fresh = await publishStory(services, { headline: 'Breaking: levee holds', desk: basics.desk, authors: [basics.author] });
    assert.ok((await get(app, '/')).body.includes(`/stories/${fresh.slug}`));
    assert.ok(!feedBefore.body.includes(fresh.slug));
    assert.ok((await get(app, '/feed.xml')).body.includes(fresh.slug));

    // HEAD is answered from the same entry.
    const head = await app.inject({ method: 'HEAD', url });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
  } finally {
    await t.close();
  }
});

forEachDialect('a withdrawn story answers 410 and leaves home, search, feeds and sitemaps', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    const story = await publishStory(services, { headline: 'Mayor accused of zebra smuggling', body: 'Zebras were seen near the quarry.', desk: basics.desk, authors: [basics.author], tags: ['Zebras'] });
    const keep = await publishStory(services, { headline: 'Quarry reopens', body: 'The quarry reopened.', desk: basics.desk, authors: [basics.author] });
    const urls = ['/', '/search?q=zebras', '/feed.xml', '/atom.xml', '/feed.json', '/desk/environment/feed.xml', '/author/ada-reporter/feed.json', '/sitemap.xml', '/news-sitemap.xml', '/desk/environment', '/author/ada-reporter'];
    for (const u of urls.filter((u) => !u.startsWith('/search'))) {
      assert.ok((await get(app, u)).body.includes(story.slug), `${u} lists the story before withdrawal`);
    }
    assert.ok((await get(app, '/search?q=zebras')).body.includes(story.slug));

    await services.stories.withdraw(SYSTEM_ACTOR, story.id, 'The allegations could not be substantiated.');
    const gone = await get(app, `/stories/${story.slug}`);
    assert.equal(gone.statusCode, 410);
    assert.match(String(gone.headers['content-type']), /^text\/html/);
    assert.match(gone.body, /<h1>This story has been withdrawn<\/h1>/);
    assert.match(gone.body, /Mayor accused of zebra smuggling/);
    assert.match(gone.body, /The allegations could not be substantiated\./);
    assert.match(gone.body, /<time datetime="[^"]+">/);
    assert.match(gone.body, /<meta name="robots" content="noindex"\/>/);
    assert.doesNotMatch(gone.body, /Zebras were seen/, 'the withdrawn text is not shown');
    assert.equal(gone.headers.etag, undefined, '410 carries no validator');

    for (const u of urls) {
      const res = await get(app, u);
      assert.equal(res.statusCode, 200, u);
      assert.ok(!res.body.includes(story.slug), `${u} no longer lists the withdrawn story`);
    }
    assert.ok((await get(app, '/')).body.includes(keep.slug));
    assert.equal((await get(app, '/tag/zebras')).statusCode, 200);
    assert.ok(!(await get(app, '/tag/zebras')).body.includes(story.slug));
  } finally {
    await t.close();
  }
});

forEachDialect('search: finds by body words, survives hostile queries', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    const hit = await publishStory(services, { headline: 'Drought report', summary: 'Dry summer ahead.', body: 'Hydrologists measured the aquifer recharge rate in Millford.', desk: basics.desk, authors: [basics.author] });
    const miss = await publishStory(services, { headline: 'Budget vote', body: 'Lawmakers argued late into the night.', desk: basics.desk, authors: [basics.author] });

    const found = await get(app, '/search?q=aquifer');
    assert.equal(found.statusCode, 200);
    assert.ok(found.body.includes(`href="/stories/${hit.slug}"`));
    assert.ok(!found.body.includes(`href="/stories/${miss.slug}"`));
    assert.match(found.body, /Dry summer ahead\./);
    assert.match(found.body, /1 story found\./);
    assert.match(found.body, /<time datetime=/);
    assert.match(found.body, /<label for="search-q">/);
    assert.match(found.body, /<input id="search-q" type="search" name="q" value="aquifer"/);
    assert.match(found.body, /<meta name="robots" content="noindex, follow"\/>/);
    assert.match((await get(app, '/search?q=hydrolog')).body, new RegExp(hit.slug), 'prefix of the last word');

    const empty = await get(app, '/search');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /<h1>Search our stories<\/h1>/);
    assert.match(empty.body, /<form class="search-form" role="search"/);
    assert.doesNotMatch(empty.body, /stories found|matched/);

    const none = await get(app, '/search?q=zzyzx');
    assert.match(none.body, /No stories matched your search\./);

    const hostile = [
      '"', '*', 'NEAR(', "'", ')', 'AND OR', 'aquifer"', '"aquifer', 'a AND (b OR', '-', '^', ':', 'headline:aquifer', '\\',
      '%', '_', '\u0000', 'aqui\u0000fer', 'x'.repeat(5000), 'Straße Ελληνικά 日本語 العربية 🌊', '<script>alert(1)</script>',
      "'; drop table stories; --", '{{7*7}}', '${1}', 'NOT', 'OR OR OR', '(((', ')))', '!!!', '~aquifer', 'aquifer*', '@@', '&',
    ];
    // Already-encoded forms that are not valid UTF-8 or not valid percent-encoding at all.
    const raw = ['%ED%A0%80', '%FF%FE', '%', '%zz', '%E0%A4%A'];
    for (const q of [...hostile.map(encodeURIComponent), ...raw]) {
      const res = await get(app, `/search?q=${q}`);
      assert.ok(res.statusCode < 500, `q=${JSON.stringify(q.slice(0, 20))} answered ${res.statusCode}`);
      assert.equal(res.statusCode, 200, `q=${JSON.stringify(q.slice(0, 20))}`);
      assert.doesNotMatch(res.body, /<script>alert/);
    }
    // Repeated parameters and nonsense pages are handled too.
    assert.equal((await get(app, '/search?q=aquifer&q=other')).statusCode, 200);
    assert.equal((await get(app, '/search?q=aquifer&page=7')).statusCode, 200);
    assert.equal((await get(app, '/search?q=aquifer&page=zz')).statusCode, 404);

    // Long queries are cut to 200 characters.
    const long = await get(app, `/search?q=${'aquifer '.repeat(100)}`);
    const value = /id="search-q" type="search" name="q" value="([^"]*)"/.exec(long.body)![1]!;
    assert.ok(value.length <= 200, `query shown with ${value.length} characters`);
    assert.ok(long.body.includes(`href="/stories/${hit.slug}"`));
  } finally {
    await t.close();
  }
});

forEachDialect('security: CSP on pages, hostile bodies and links render inert, media served safely', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    // The service refuses such a link; one that got into the database some other way (an old
    // import, a direct edit) must still render inert.
    await assert.rejects(services.authors.create(SYSTEM_ACTOR, { name: 'Eve', title: 'Reporter', links: { mastodon: 'javascript:alert(1)' } }), /attention/);
    const evil = await services.authors.create(SYSTEM_ACTOR, { name: 'Eve Hacker', title: 'Reporter' });
    await tdb.database.db.updateTable('authors').set({ links_json: JSON.stringify({ mastodon: 'javascript:alert(1)' }) }).where('id', '=', evil.id).execute();
    const story = await publishStory(services, {
      headline: 'An <em>innocent</em> headline',
      summary: '"><script>alert(2)</script>',
      body: 'Hello <script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n<a href="javascript:alert(3)" onclick="alert(4)">click</a>\n\n<iframe src="https://evil.example"></iframe>',
      desk: basics.desk,
      authors: [basics.author, evil.slug],
      tags: ['</script><script>alert(5)</script>'],
    });
    const res = await get(app, `/stories/${story.slug}`);
    assert.equal(res.statusCode, 200);
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"]) {
      assert.ok(csp.includes(directive), `CSP has ${directive}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');

    const html = res.body;
    assert.doesNotMatch(html, /<script>alert/i);
    assert.doesNotMatch(html, /javascript:/i);
    assert.doesNotMatch(html, /onerror/i);
    assert.doesNotMatch(html, /onclick/i);
    assert.doesNotMatch(html, /<iframe/i);
    assert.match(html, /An &lt;em>innocent&lt;\/em> headline|An &lt;em&gt;innocent&lt;\/em&gt; headline/, 'headline text escaped');
    assertNoInlineScript(html);
    // The JSON-LD block cannot be closed early by content.
    const ld = jsonLd(html);
    assert.equal(ld.keywords, '</script><script>alert(5)</script>');

    for (const page of ['/', '/desk/environment', `/author/${evil.slug}`, '/search?q=innocent', '/tag/script-script-alert-5-script']) {
      const r = await get(app, page);
      assert.ok(r.statusCode === 200 || r.statusCode === 404, page);
      assert.ok(String(r.headers['content-security-policy']).includes("object-src 'none'"), page);
      assert.doesNotMatch(r.body, /<script>alert|javascript:/i, page);
      assertNoInlineScript(r.body);
    }

    // Media: type from the row, sha256 ETag, long cache, 304, nosniff; junk ids are 404.
    const img = await services.media.store(SYSTEM_ACTOR, { filename: 'a.png', data: PNG });
    const m = await get(app, `/media/${img.id}`);
    assert.equal(m.statusCode, 200);
    assert.equal(m.headers['content-type'], 'image/png');
    assert.equal(m.headers.etag, `"${img.sha256}"`);
    assert.equal(m.headers['cache-control'], 'public, max-age=86400');
    assert.equal(m.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(m.rawPayload, PNG);
    assert.equal((await get(app, `/media/${img.id}`, { 'if-none-match': `"${img.sha256}"` })).statusCode, 304);
    for (const bad of ['/media/nope', '/media/%00', `/media/${'0'.repeat(36)}`, '/media/01234567-89ab-7def-8123-456789abcdef']) {
      assert.equal((await get(app, bad)).statusCode, 404, bad);
    }
  } finally {
    await t.close();
  }
});
