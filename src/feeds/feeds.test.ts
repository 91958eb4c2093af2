import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Parser from 'rss-parser';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { create } from 'xmlbuilder2';
import type { FeedChannel, FeedItem, NewsSitemapEntry } from './types.js';
import { buildRss } from './rss.js';
import { buildAtom } from './atom.js';
import { buildJsonFeed } from './json-feed.js';
import { buildNewsSitemap, buildRobotsTxt, buildSitemap } from './sitemap.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures');

// ---------------------------------------------------------------------------------------------
// Oracles written independently of src/feeds/text.ts, so the tests do not just echo the code.

/** XML 1.0 `Char`: what must survive cleaning. */
function xmlCharsOnly(s: string): string {
  return [...s]
    .filter((ch) => {
      const cp = ch.codePointAt(0)!;
      return (
        cp === 0x9 || cp === 0xa || cp === 0xd ||
        (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000
      );
    })
    .join('');
}

/** XML parsers may hand back CR as LF (§2.11); compare modulo that. */
function eol(s: string | undefined): string {
  return (s ?? '').replace(/\r\n?/g, '\n');
}

// ---------------------------------------------------------------------------------------------
// Fixture: three stories with text that has broken feeds before.

const HOSTILE_TITLE = `Council vote <script>alert("x")</script> & "quotes" 'too' ]]> done`;
const EMOJI_TITLE = 'Flood update 🌊🗞️ \u0001day two';
const HOSTILE_SUMMARY = 'Summary with <script>alert(1)</script> & ]]> and "quotes"';
const HOSTILE_HTML = '<p>Body with <b>bold</b> &amp; a literal ]]&gt; and ]]> end</p><script>alert("body")</script>';

const items: FeedItem[] = [
  {
    id: 'urn:uuid:5b0f6a8e-0d6f-4c47-9a1b-3d1f1f0a0001',
    url: 'https://wire.example.org/stories/council-vote',
    title: HOSTILE_TITLE,
    summary: HOSTILE_SUMMARY,
    contentHtml: HOSTILE_HTML,
    publishedAt: '2026-11-27T21:58:05Z',
    updatedAt: '2026-11-28T08:00:00.000Z',
    authors: [
      { name: 'Ana "Scoop" O\'Neil & Co', url: 'https://wire.example.org/authors/ana' },
      { name: 'Björn Ångström', url: 'https://wire.example.org/authors/bjorn' },
    ],
    categories: ['Politics', 'city <hall>', 'A&B'],
    image: { url: 'https://wire.example.org/media/vote.jpg', type: 'image/jpeg', length: 48213, alt: 'Council chamber' },
  },
  {
    id: 'urn:uuid:5b0f6a8e-0d6f-4c47-9a1b-3d1f1f0a0002',
    url: 'https://wire.example.org/stories/flood-update?x=1&y=2',
    title: EMOJI_TITLE,
    summary: 'Water 💧 levels\u0001 falling',
    contentHtml: '<p>Emoji 🌊 and control\u0001char</p>',
    publishedAt: '2026-11-26T10:00:00Z',
    updatedAt: '2026-11-26T10:30:00Z',
    authors: [{ name: 'Kō Tanaka', url: 'https://wire.example.org/authors/ko' }],
    categories: ['Environment'],
  },
  {
    // Unbylined wire copy: relies on the feed-level author in Atom.
    id: 'https://wire.example.org/stories/brief',
    url: 'https://wire.example.org/stories/brief',
    title: 'Brief',
    summary: 'Short.',
    contentHtml: '<p>Short.</p>',
    publishedAt: '2026-11-25T00:00:00Z',
    updatedAt: '2026-11-25T00:00:00Z',
    authors: [],
    categories: [],
  },
];

const channel: FeedChannel = {
  title: 'Freewire & Friends <Test>',
  description: 'News for "everyone" ]]> from the wire',
  homeUrl: 'https://wire.example.org/',
  rssUrl: 'https://wire.example.org/feed.rss',
  atomUrl: 'https://wire.example.org/feed.atom',
  jsonUrl: 'https://wire.example.org/feed.json',
  language: 'en-US',
  id: 'https://wire.example.org/',
  updatedAt: '2026-11-28T08:00:00Z',
  logoUrl: 'https://wire.example.org/logo.png',
  iconUrl: 'https://wire.example.org/icon.png',
  rights: '© 2026 Freewire',
  licenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/',
  items,
};

interface ParsedFeedExtra {
  author?: { name?: string[]; uri?: string[] };
  // Parsed by rss-parser but missing from its type declarations.
  language?: string;
  lastBuildDate?: string;
}
interface ParsedItemExtra {
  'content:encoded'?: string;
  creators?: string[];
  updated?: string;
  atomCategories?: Array<{ $: { term: string } }>;
}

function parser() {
  return new Parser<ParsedFeedExtra, ParsedItemExtra>({
    customFields: {
      feed: ['author'],
      item: [
        'content:encoded',
        'updated',
        ['dc:creator', 'creators', { keepArray: true }],
        ['category', 'atomCategories', { keepArray: true }],
      ],
    },
  });
}

// ---------------------------------------------------------------------------------------------
// External validators. Missing ones skip locally but fail in CI, so CI cannot go green by
// silently not validating.

function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

function requireTool(t: TestContext, available: boolean, what: string, aptPackage: string): boolean {
  if (available) return true;
  if (process.env.CI === 'true') {
    assert.fail(`${what} must be installed to run this test in CI: apt-get install ${aptPackage}`);
  }
  t.skip(`${what} not installed: apt-get install ${aptPackage}`);
  return false;
}

function withTempFiles<T>(files: Record<string, string>, fn: (paths: Record<string, string>) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'freewire-feeds-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
      paths[name] = path.join(dir, name);
      writeFileSync(paths[name], content, 'utf8');
    }
    return fn(paths);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function jing(xml: string) {
  return withTempFiles({ 'feed.atom': xml }, (p) =>
    spawnSync('jing', ['-c', path.join(FIXTURES, 'atom/atom.rnc'), p['feed.atom']!], { encoding: 'utf8' }),
  );
}

function xmllintSitemap(xml: string) {
  return withTempFiles({ 'sitemap.xml': xml }, (p) =>
    spawnSync(
      'xmllint',
      ['--noout', '--nonet', '--schema', path.join(FIXTURES, 'sitemaps/sitemap-0.9.xsd'), p['sitemap.xml']!],
      { encoding: 'utf8' },
    ),
  );
}

const PYTHON = '/usr/bin/python3';
const FEEDPARSER_SCRIPT = `
import json, sys, feedparser
out = []
for p in sys.argv[1:]:
    d = feedparser.parse(p)
    out.append({
        "bozo": int(bool(d.bozo)),
        "error": repr(d.get("bozo_exception")),
        "version": d.version,
        "ids": [e.get("id") for e in d.entries],
        "links": [e.get("link") for e in d.entries],
    })
print(json.dumps(out))
`;

function haveFeedparser(): boolean {
  return spawnSync(PYTHON, ['-c', 'import feedparser']).status === 0;
}

// ---------------------------------------------------------------------------------------------

describe('XML output basics', () => {
  for (const [name, build] of [
    ['rss', () => buildRss(channel)],
    ['atom', () => buildAtom(channel)],
    ['sitemap', () => buildSitemap([{ url: 'https://wire.example.org/', lastModified: channel.updatedAt }])],
    ['news sitemap', () => buildNewsSitemap([], { name: 'Freewire', language: 'en' })],
  ] as const) {
    test(`${name}: declaration, no raw markup from text, no illegal characters`, () => {
      const xml = build();
      assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
      assert.doesNotMatch(xml, /<script/i);
      assert.doesNotMatch(xml, /\u0001/);
      assert.equal(xmlCharsOnly(xml), xml);
    });
  }
});

describe('RSS 2.0', () => {
  const xml = buildRss(channel);

  test('parses with rss-parser and round-trips channel fields', async () => {
    const feed = await parser().parseString(xml);
    assert.equal(feed.title, channel.title);
    assert.equal(feed.link, channel.homeUrl);
    assert.equal(feed.description, channel.description);
    assert.equal(feed.language, 'en-US');
    assert.equal(feed.lastBuildDate, 'Sat, 28 Nov 2026 08:00:00 GMT');
    assert.equal(feed.feedUrl, channel.rssUrl);
    assert.equal(feed.image?.url, channel.logoUrl);
    assert.equal(feed.image?.link, channel.homeUrl);
    assert.equal(feed.image?.title, channel.title);
    assert.equal(feed.items.length, 3);
  });

  test('items: titles, links, guids, dates, authors, categories, enclosure', async () => {
    const feed = await parser().parseString(xml);
    feed.items.forEach((got, i) => {
      const want = items[i]!;
      assert.equal(got.title, xmlCharsOnly(want.title));
      assert.equal(got.link, want.url);
      assert.equal(got.guid, want.id);
      assert.equal(got.pubDate, new Date(want.publishedAt).toUTCString());
      assert.match(got.pubDate!, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.equal(got.isoDate, new Date(want.publishedAt).toISOString());
      assert.deepEqual(got.creators ?? [], want.authors.map((a) => a.name));
      assert.deepEqual(got.categories ?? [], want.categories);
    });
    assert.equal(feed.items[0]!.pubDate, 'Fri, 27 Nov 2026 21:58:05 GMT');
    // xml2js hands back null-prototype objects; spread them for a plain comparison.
    assert.deepEqual({ ...feed.items[0]!.enclosure }, {
      url: 'https://wire.example.org/media/vote.jpg',
      length: '48213',
      type: 'image/jpeg',
    });
    assert.equal(feed.items[2]!.enclosure, undefined);
    assert.equal((xml.match(/<guid isPermaLink="false">/g) ?? []).length, 3);
  });

  test('hostile text survives as text, never as markup', async () => {
    const feed = await parser().parseString(xml);
    const [first, second] = feed.items;
    assert.equal(first!.title, HOSTILE_TITLE);
    assert.ok(first!.title!.includes(']]>') && first!.title!.includes('<script>'));
    assert.equal(second!.title, 'Flood update 🌊🗞️ day two');
    // description is HTML to readers: the plain-text summary arrives entity-encoded...
    assert.equal(
      first!.content,
      'Summary with &lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt; and &quot;quotes&quot;',
    );
    // ...so a reader rendering it shows the original characters.
    assert.equal(first!.contentSnippet, HOSTILE_SUMMARY);
    assert.equal(first!['content:encoded'], HOSTILE_HTML);
    assert.equal(second!['content:encoded'], '<p>Emoji 🌊 and controlchar</p>');
  });

  test('namespaced extras: atom self link, content, dc, creativeCommons license', () => {
    assert.match(xml, /<rss version="2\.0"/);
    assert.match(xml, /xmlns:creativeCommons="http:\/\/backend\.userland\.com\/creativeCommonsRssModule"/);
    assert.match(xml, /xmlns:content="http:\/\/purl\.org\/rss\/1\.0\/modules\/content\/"/);
    assert.match(xml, /xmlns:dc="http:\/\/purl\.org\/dc\/elements\/1\.1\/"/);
    assert.match(xml, /<atom:link href="https:\/\/wire\.example\.org\/feed\.rss" rel="self" type="application\/rss\+xml"\/>/);
    assert.match(xml, /<creativeCommons:license>https:\/\/creativecommons\.org\/licenses\/by-nd\/4\.0\/<\/creativeCommons:license>/);
  });

  test('optional channel elements are omitted when unset', () => {
    const bare = buildRss({ ...channel, logoUrl: undefined, licenseUrl: undefined, rights: undefined });
    assert.doesNotMatch(bare, /<image>|creativeCommons:license>|<copyright>/);
  });
});

describe('Atom 1.0', () => {
  const xml = buildAtom(channel);

  test('parses with rss-parser and round-trips feed fields', async () => {
    const feed = await parser().parseString(xml);
    assert.equal(feed.title, channel.title);
    assert.equal(feed.link, channel.homeUrl);
    assert.equal(feed.feedUrl, channel.atomUrl);
    assert.equal(feed.lastBuildDate, '2026-11-28T08:00:00Z');
    // RFC 4287 §4.1.1: the feed needs an author unless every entry has one (entry 3 has none).
    assert.deepEqual({ ...feed.author }, { name: [channel.title], uri: [channel.homeUrl] });
    assert.equal(feed.items.length, 3);
  });

  test('entries: ids, titles, links, dates, authors, categories, summary and content', async () => {
    const feed = await parser().parseString(xml);
    feed.items.forEach((got, i) => {
      const want = items[i]!;
      assert.equal((got as { id?: string }).id, want.id);
      assert.equal(got.title, xmlCharsOnly(want.title));
      // Schematron rule in RFC 4287: each entry needs an alternate link (or content).
      assert.equal(got.link, want.url);
      assert.equal(got.pubDate, new Date(want.publishedAt).toISOString());
      assert.equal(got.updated, new Date(want.updatedAt).toISOString().replace('.000Z', 'Z'));
      assert.equal(got.summary, xmlCharsOnly(want.summary));
      assert.equal(got.content, xmlCharsOnly(want.contentHtml));
      assert.deepEqual((got.atomCategories ?? []).map((c) => c.$.term), want.categories);
    });
    assert.equal(feed.items[0]!.title, HOSTILE_TITLE);
    assert.equal(feed.items[0]!.content, HOSTILE_HTML);
    assert.equal(feed.items[1]!.title, 'Flood update 🌊🗞️ day two');
  });

  test('RFC 4287 details: namespaces, links, text types, feed metadata', () => {
    assert.match(xml, /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom" xml:lang="en-US">/);
    assert.match(xml, /<link rel="self" href="https:\/\/wire\.example\.org\/feed\.atom" type="application\/atom\+xml"\/>/);
    assert.match(xml, /<link rel="alternate" href="https:\/\/wire\.example\.org\/" type="text\/html"\/>/);
    assert.match(xml, /<link rel="license" href="https:\/\/creativecommons\.org\/licenses\/by-nd\/4\.0\/"\/>/);
    assert.match(xml, /<generator>Freewire<\/generator>/);
    assert.match(xml, /<icon>https:\/\/wire\.example\.org\/icon\.png<\/icon>/);
    assert.match(xml, /<logo>https:\/\/wire\.example\.org\/logo\.png<\/logo>/);
    assert.match(xml, /<rights type="text">© 2026 Freewire<\/rights>/);
    assert.equal((xml.match(/<summary type="text">/g) ?? []).length, 3);
    assert.equal((xml.match(/<content type="html">/g) ?? []).length, 3);
    assert.match(xml, /<author>\s*<name>Ana "Scoop" O'Neil &amp; Co<\/name>\s*<uri>https:\/\/wire\.example\.org\/authors\/ana<\/uri>\s*<\/author>/);
    assert.match(xml, /<category term="city &lt;hall&gt;"\/>/);
    assert.match(xml, /<link rel="enclosure" href="https:\/\/wire\.example\.org\/media\/vote\.jpg" type="image\/jpeg" length="48213"\/>/);
    assert.match(xml, /<published>2026-11-27T21:58:05Z<\/published>/);
  });

  test('validates against the RFC 4287 RELAX NG grammar (jing)', (t) => {
    if (!requireTool(t, haveCommand('jing'), 'jing', 'jing')) return;
    const result = jing(xml);
    assert.equal(result.status, 0, `jing rejected the Atom feed:\n${result.stdout}${result.stderr}`);
    const minimal = buildAtom({ ...channel, logoUrl: undefined, iconUrl: undefined, rights: undefined, licenseUrl: undefined, description: '', items: [] });
    assert.equal(jing(minimal).status, 0, 'minimal feed without optional elements must be valid');
    // Control: the validator must actually reject something, or a green run means nothing.
    const broken = xml.replace(/<updated>[^<]*<\/updated>/, '');
    assert.notEqual(jing(broken).status, 0, 'jing accepted a feed without <updated>');
  });
});

describe('feedparser (Python) accepts RSS and Atom', () => {
  test('bozo == 0 and versions rss20 / atom10', (t) => {
    if (!requireTool(t, haveFeedparser(), 'python3-feedparser', 'python3-feedparser')) return;
    const out = withTempFiles({ 'feed.rss': buildRss(channel), 'feed.atom': buildAtom(channel) }, (p) =>
      spawnSync(PYTHON, ['-c', FEEDPARSER_SCRIPT, p['feed.rss']!, p['feed.atom']!], { encoding: 'utf8' }),
    );
    assert.equal(out.status, 0, out.stderr);
    const [rss, atom] = JSON.parse(out.stdout) as Array<{
      bozo: number; error: string; version: string; ids: string[]; links: string[];
    }>;
    assert.equal(rss!.bozo, 0, rss!.error);
    assert.equal(rss!.version, 'rss20');
    assert.equal(atom!.bozo, 0, atom!.error);
    assert.equal(atom!.version, 'atom10');
    for (const parsed of [rss!, atom!]) {
      assert.deepEqual(parsed.ids, items.map((i) => i.id));
      assert.deepEqual(parsed.links, items.map((i) => i.url));
    }
  });
});

describe('JSON Feed 1.1', () => {
  const schema = JSON.parse(readFileSync(path.join(FIXTURES, 'jsonfeed/jsonfeed-schema-v1.1.json'), 'utf8')) as object;
  // The community schema uses draft-07 keywords ajv's strict mode would flag as unknown.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);

  test('validates against the JSON Feed 1.1 schema', () => {
    const json = JSON.parse(buildJsonFeed(channel)) as unknown;
    assert.ok(validate(json), ajv.errorsText(validate.errors));
    const minimal = JSON.parse(buildJsonFeed({ ...channel, iconUrl: undefined, language: '', items: [] })) as unknown;
    assert.ok(validate(minimal), ajv.errorsText(validate.errors));
  });

  test('the schema check is real: an item without content is rejected', () => {
    const json = JSON.parse(buildJsonFeed(channel)) as { items: Array<Record<string, unknown>> };
    delete json.items[0]!.content_html;
    assert.equal(validate(json), false);
  });

  test('fields', () => {
    const json = JSON.parse(buildJsonFeed(channel)) as Record<string, any>;
    assert.equal(json.version, 'https://jsonfeed.org/version/1.1');
    assert.equal(json.title, channel.title);
    assert.equal(json.home_page_url, channel.homeUrl);
    assert.equal(json.feed_url, channel.jsonUrl);
    assert.equal(json.description, channel.description);
    assert.equal(json.language, 'en-US');
    assert.equal(json.icon, channel.iconUrl);
    assert.equal(json.favicon, channel.iconUrl);
    assert.deepEqual(json.authors, [{ name: channel.title, url: channel.homeUrl }]);
    assert.equal(json.items.length, 3);
    const [first, second, third] = json.items;
    assert.deepEqual(first, {
      id: items[0]!.id,
      url: items[0]!.url,
      title: HOSTILE_TITLE,
      summary: HOSTILE_SUMMARY,
      content_html: HOSTILE_HTML,
      date_published: '2026-11-27T21:58:05Z',
      date_modified: '2026-11-28T08:00:00Z',
      authors: items[0]!.authors.map((a) => ({ name: a.name, url: a.url })),
      tags: items[0]!.categories,
      image: items[0]!.image!.url,
    });
    assert.equal(second.title, 'Flood update 🌊🗞️ day two');
    assert.equal(second.summary, 'Water 💧 levels falling');
    assert.equal(third.authors, undefined);
    assert.equal(third.tags, undefined);
    assert.equal(third.image, undefined);
  });
});

describe('sitemaps', () => {
  const entries = [
    { url: 'https://wire.example.org/', lastModified: '2026-11-28T08:00:00.000Z' },
    { url: 'https://wire.example.org/stories/a?x=1&y=2', lastModified: '2026-11-27T21:58:05Z' },
  ];

  test('sitemap: urlset with loc + lastmod', () => {
    const xml = buildSitemap(entries);
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
    assert.match(xml, /<loc>https:\/\/wire\.example\.org\/stories\/a\?x=1&amp;y=2<\/loc>/);
    assert.match(xml, /<lastmod>2026-11-28T08:00:00Z<\/lastmod>/);
    assert.equal((xml.match(/<url>/g) ?? []).length, 2);
  });

  test('sitemap validates against sitemaps.org 0.9 XSD (xmllint)', (t) => {
    if (!requireTool(t, haveCommand('xmllint'), 'xmllint', 'libxml2-utils')) return;
    const result = xmllintSitemap(buildSitemap(entries));
    assert.equal(result.status, 0, `xmllint rejected the sitemap:\n${result.stderr}`);
    // Control: a sitemap entry without <loc> must be rejected.
    const broken = buildSitemap(entries).replace(/<loc>[^<]*<\/loc>/, '');
    assert.notEqual(xmllintSitemap(broken).status, 0, 'xmllint accepted a <url> without <loc>');
  });

  const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
  const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';

  function newsEntries(n: number): NewsSitemapEntry[] {
    const start = Date.parse('2026-11-27T00:00:00Z');
    // Oldest first on purpose: the cap must keep the newest, not the first.
    return Array.from({ length: n }, (_, i) => ({
      url: `https://wire.example.org/stories/${i}`,
      title: i === n - 1 ? HOSTILE_TITLE : `Story ${i}`,
      publishedAt: new Date(start + i * 60_000).toISOString(),
    }));
  }

  /** Child elements of `parent` with this namespace and local name. */
  function children(parent: Element, ns: string, name: string): Element[] {
    return Array.from(parent.childNodes).filter(
      (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name,
    );
  }
  function only(parent: Element, ns: string, name: string): Element {
    const found = children(parent, ns, name);
    assert.equal(found.length, 1, `exactly one ${name} in ${parent.localName}`);
    return found[0]!;
  }

  test('news sitemap: namespaces and required elements for every url', () => {
    const xml = buildNewsSitemap(newsEntries(3), { name: 'Freewire & Co', language: 'en-US' });
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9" xmlns:news="http:\/\/www\.google\.com\/schemas\/sitemap-news\/0\.9">/);
    // One declaration on the root; no element redeclares or drops the namespace.
    assert.equal((xml.match(/xmlns:news=/g) ?? []).length, 1);
    assert.doesNotMatch(xml, /<script/);

    // xmlbuilder2's reader is lenient (it is not a well-formedness check; xmllint below is),
    // but it gives a namespace-aware DOM to check the structure Google requires.
    const root = create(xml).root().node as unknown as Element;
    assert.equal(root.namespaceURI, SITEMAP_NS);
    assert.equal(root.localName, 'urlset');
    const urls = children(root, SITEMAP_NS, 'url');
    assert.equal(urls.length, 3);
    for (const url of urls) {
      assert.match(only(url, SITEMAP_NS, 'loc').textContent!, /^https:\/\/wire\.example\.org\/stories\/\d+$/);
      const news = only(url, NEWS_NS, 'news');
      const publication = only(news, NEWS_NS, 'publication');
      assert.equal(only(publication, NEWS_NS, 'name').textContent, 'Freewire & Co');
      // Google wants ISO 639, not BCP 47.
      assert.equal(only(publication, NEWS_NS, 'language').textContent, 'en');
      assert.match(only(news, NEWS_NS, 'publication_date').textContent!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(only(news, NEWS_NS, 'title').textContent!.length > 0);
    }
    // Newest first; the hostile title arrives as text.
    assert.equal(only(only(urls[0]!, NEWS_NS, 'news'), NEWS_NS, 'title').textContent, HOSTILE_TITLE);
  });

  test('news sitemap is well-formed (xmllint)', (t) => {
    if (!requireTool(t, haveCommand('xmllint'), 'xmllint', 'libxml2-utils')) return;
    const xml = buildNewsSitemap(newsEntries(3), { name: 'Freewire & Co', language: 'en' });
    const result = withTempFiles({ 'news.xml': xml }, (p) =>
      spawnSync('xmllint', ['--noout', '--nonet', p['news.xml']!], { encoding: 'utf8' }),
    );
    assert.equal(result.status, 0, result.stderr);
  });

  test('news sitemap: capped at 1000 entries, keeping the newest', () => {
    const xml = buildNewsSitemap(newsEntries(1500), { name: 'Freewire', language: 'en' });
    assert.equal((xml.match(/<url>/g) ?? []).length, 1000);
    assert.equal((xml.match(/<news:news>/g) ?? []).length, 1000);
    assert.match(xml, /<loc>https:\/\/wire\.example\.org\/stories\/1499<\/loc>/);
    assert.match(xml, /<loc>https:\/\/wire\.example\.org\/stories\/500<\/loc>/);
    assert.doesNotMatch(xml, /<loc>https:\/\/wire\.example\.org\/stories\/499<\/loc>/);
  });

  test('news sitemap: Chinese needs the script-specific code', () => {
    const lang = (l: string) =>
      /<news:language>([^<]*)<\/news:language>/.exec(buildNewsSitemap(newsEntries(1), { name: 'x', language: l }))?.[1];
    assert.equal(lang('zh-Hant-TW'), 'zh-tw');
    assert.equal(lang('zh-TW'), 'zh-tw');
    assert.equal(lang('zh-Hans'), 'zh-cn');
    assert.equal(lang('zh'), 'zh-cn');
    assert.equal(lang('es-419'), 'es');
  });

  test('robots.txt', () => {
    const expected = [
      'User-agent: *',
      'Allow: /',
      'Disallow: /newsroom',
      'Disallow: /api/admin',
      '',
      'Sitemap: https://wire.example.org/sitemap.xml',
      'Sitemap: https://wire.example.org/news-sitemap.xml',
      '',
    ].join('\n');
    assert.equal(buildRobotsTxt('https://wire.example.org/'), expected);
    assert.equal(buildRobotsTxt('https://wire.example.org'), expected);
    assert.throws(() => buildRobotsTxt('not a url'));
  });
});

describe('invalid dates fail loudly instead of producing an invalid feed', () => {
  test('rss / atom / json', () => {
    const bad = { ...channel, items: [{ ...items[0]!, publishedAt: 'yesterday' }] };
    assert.throws(() => buildRss(bad), /Invalid date/);
    assert.throws(() => buildAtom(bad), /Invalid date/);
    assert.throws(() => buildJsonFeed(bad), /Invalid date/);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: no text can break the feeds.

describe('property: arbitrary text never breaks a feed', () => {
  // Full-range code points, plus a unit biased towards the characters that actually break XML.
  const nasty = fc.constantFrom(
    '\u0000', '\u0001', '\u0008', '\u000b', '\u001f', '\u007f', '\ufffe', '\uffff', '\ud800', '\udfff',
    '<', '>', '&', ']]>', '"', "'", '\r', '\n', '\t', ' ', 'é', '😀', '<![CDATA[', '<script>',
    // Entity-looking text: xmlbuilder2 leaves these unescaped unless we escape first.
    '&amp;', '&lt;', '&nbsp;', '&#1;', '&#65;', '&#x41;', 'a;',
  );
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: nasty }), fc.string({ unit: 'grapheme' }));
  const story = fc.record({ title: text, summary: text, content: text, author: text, category: text });

  function channelWith(s: { title: string; summary: string; content: string; author: string; category: string }): FeedChannel {
    return {
      ...channel,
      title: s.title,
      description: s.summary,
      items: [{
        ...items[0]!,
        title: s.title,
        summary: s.summary,
        contentHtml: s.content,
        authors: [{ name: s.author, url: 'https://wire.example.org/a' }],
        categories: [s.category],
      }],
    };
  }

  test('RSS and Atom always parse with rss-parser; titles survive minus illegal chars', async () => {
    await fc.assert(
      fc.asyncProperty(story, async (s) => {
        const ch = channelWith(s);
        const expectedTitle = eol(xmlCharsOnly(s.title));
        for (const xml of [buildRss(ch), buildAtom(ch)]) {
          const feed = await parser().parseString(xml);
          assert.equal(feed.items.length, 1);
          assert.equal(eol(feed.items[0]!.title), expectedTitle);
          assert.equal(eol(feed.items[0]!.link), ch.items[0]!.url);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('JSON Feed always JSON.parses with the title intact minus illegal chars', () => {
    fc.assert(
      fc.property(story, (s) => {
        const json = JSON.parse(buildJsonFeed(channelWith(s))) as { title: string; items: Array<{ title: string; content_html: string }> };
        assert.equal(json.title, xmlCharsOnly(s.title));
        assert.equal(json.items[0]!.title, xmlCharsOnly(s.title));
        assert.equal(json.items[0]!.content_html, xmlCharsOnly(s.content));
      }),
      { numRuns: 500 },
    );
  });

  test('Atom with arbitrary text stays valid against the RELAX NG grammar', (t) => {
    if (!requireTool(t, haveCommand('jing'), 'jing', 'jing')) return;
    // jing starts a JVM per call, so a handful of samples, concatenated into one feed each.
    const samples = fc.sample(story, { numRuns: 5, seed: 4287 });
    for (const s of samples) {
      const result = jing(buildAtom(channelWith(s)));
      assert.equal(result.status, 0, `${JSON.stringify(s)}\n${result.stdout}${result.stderr}`);
    }
  });
});
